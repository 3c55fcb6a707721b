//! A bitmap backend that draws its own text, so that a PNG matches its SVG.

use super::style::DEJAVU_SANS;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use plotters_backend::{BackendColor, BackendCoord, DrawingErrorKind};

/// A bitmap that draws its own text. plotters' `ab_glyph` text drops each glyph's side
/// bearing, so letters sit unevenly; this places glyphs by advance and kerning, at the size
/// and anchor an SVG viewer gives the SVG backend's `<text>`, so a PNG matches its SVG.
/// Everything else goes to the bitmap backend.
pub(super) struct Raster<'a> {
    inner: BitMapBackend<'a>,
    font: ab_glyph::FontRef<'static>,
}

/// x-height of DejaVu Sans (OS/2 `sxHeight` 1120 over 2048 units per em): SVG's `ex`.
const X_HEIGHT_EM: f32 = 1120.0 / 2048.0;

impl<'a> Raster<'a> {
    pub(super) fn new(pixels: &'a mut [u8], size: (u32, u32)) -> std::result::Result<Self, ab_glyph::InvalidFont> {
        Ok(Raster {
            inner: BitMapBackend::with_buffer(pixels, size),
            font: ab_glyph::FontRef::try_from_slice(DEJAVU_SANS)?,
        })
    }
}

type BitmapError = <BitMapBackend<'static> as DrawingBackend>::ErrorType;

impl DrawingBackend for Raster<'_> {
    type ErrorType = BitmapError;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> std::result::Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> std::result::Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> std::result::Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: plotters_backend::BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> std::result::Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: plotters_backend::BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> std::result::Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: plotters_backend::BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> std::result::Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: plotters_backend::BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> std::result::Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: plotters_backend::BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> std::result::Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.fill_polygon(vert, style)
    }

    fn draw_text<S: plotters_backend::BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> std::result::Result<(), DrawingErrorKind<BitmapError>> {
        use ab_glyph::{Font, ScaleFont};
        let colour = style.color();
        if colour.alpha == 0.0 {
            return Ok(());
        }
        // The SVG backend writes `font-size` as size / 1.24; ab_glyph scales by the height
        // from ascender to descender.
        let em = (style.size() / 1.24) as f32;
        let units = self.font.units_per_em().unwrap_or(2048.0);
        let scale = ab_glyph::PxScale::from(em * self.font.height_unscaled() / units);
        let font = self.font.as_scaled(scale);
        let mut advance = 0.0f32;
        let mut prev = None;
        let mut placed = Vec::with_capacity(text.len());
        for c in text.chars() {
            let id = font.glyph_id(c);
            if let Some(p) = prev {
                advance += font.kern(p, id);
            }
            placed.push((id, advance));
            advance += font.h_advance(id);
            prev = Some(id);
        }
        let anchor = style.anchor();
        let dx = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Center => -advance / 2.0,
            HPos::Right => -advance,
        };
        // SVG `dy`: 0.76em below a top anchor, half an ex below a centre, half an ex above a bottom.
        let dy = match anchor.v_pos {
            VPos::Top => 0.76 * em,
            VPos::Center => 0.5 * X_HEIGHT_EM * em,
            VPos::Bottom => -0.5 * X_HEIGHT_EM * em,
        };
        let transform = style.transform();
        let (w, h) = self.inner.get_size();
        let mut result = Ok(());
        for (id, x) in placed {
            let glyph = id.with_scale_and_position(scale, ab_glyph::point(x + dx, dy));
            let Some(outline) = font.outline_glyph(glyph) else { continue };
            let bounds = outline.px_bounds();
            let inner = &mut self.inner;
            outline.draw(|gx, gy, coverage| {
                if result.is_err() || coverage <= 0.0 {
                    return;
                }
                let (lx, ly) = (bounds.min.x as i32 + gx as i32, bounds.min.y as i32 + gy as i32);
                let (tx, ty) = transform.transform(lx, ly);
                let (px, py) = (pos.0 + tx, pos.1 + ty);
                if px >= 0 && py >= 0 && (px as u32) < w && (py as u32) < h {
                    let c = BackendColor { alpha: colour.alpha * coverage.min(1.0) as f64, rgb: colour.rgb };
                    result = inner.draw_pixel((px, py), c);
                }
            });
        }
        result
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> std::result::Result<(), DrawingErrorKind<BitmapError>> {
        self.inner.blit_bitmap(pos, size, src)
    }
}
