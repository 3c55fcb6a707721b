//! The look shared by every chart: the bundled font, the colour of each regime, text styles,
//! number formats and the legend.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The font family every chart asks for. The bundled font is registered under this name, and
/// SVG viewers get the same list, so their text measures close to what the layout assumed.
pub const FONT: &str = "DejaVu Sans, Verdana, sans-serif";

pub(super) static DEJAVU_SANS: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// The Okabe-Ito palette (Okabe and Ito 2008), readable with every common colour-vision
/// deficiency; yellow comes last because it is faint on white.
pub const PALETTE: [(u8, u8, u8); 8] = [
    (0x00, 0x72, 0xB2), // blue
    (0xE6, 0x9F, 0x00), // orange
    (0x00, 0x9E, 0x73), // bluish green
    (0xCC, 0x79, 0xA7), // reddish purple
    (0xD5, 0x5E, 0x00), // vermillion
    (0x56, 0xB4, 0xE9), // sky blue
    (0x00, 0x00, 0x00), // black
    (0xF0, 0xE4, 0x42), // yellow
];

/// The colour index of every entry of `entries` (labels as in `regimes`): a plain regime
/// always gets its place in the registry (the market is always orange, in every run, sweep and
/// page); labelled entries (`kind:label`) take the colours left, in the order listed, and
/// cycle after 8. So a regime's colour never depends on where it is listed.
pub fn entry_colours(entries: &[String]) -> Vec<usize> {
    let registry = |e: &str| crate::regimes::REGIMES.iter().position(|r| r.name == e);
    let mut used: Vec<usize> = entries.iter().filter_map(|e| registry(e)).collect();
    let mut next = 0;
    entries
        .iter()
        .map(|e| {
            if let Some(k) = registry(e) {
                return k;
            }
            while used.contains(&next) && used.len() < PALETTE.len() {
                next += 1;
            }
            let k = next;
            used.push(k);
            next += 1;
            k
        })
        .collect()
}

/// The colour of colour index `index` (see [`entry_colours`]; cycling after 8).
pub fn regime_colour(index: usize) -> RGBColor {
    let (r, g, b) = PALETTE[index % PALETTE.len()];
    RGBColor(r, g, b)
}

/// The colour as CSS `#rrggbb`, for the report.
pub fn regime_colour_hex(index: usize) -> String {
    let (r, g, b) = PALETTE[index % PALETTE.len()];
    format!("#{r:02x}{g:02x}{b:02x}")
}

pub(super) fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // The bytes are compiled in and known to be a valid font; registering cannot fail
        // except through a broken build, which the tests would catch.
        for name in [FONT, "sans-serif"] {
            let _ = plotters::style::register_font(name, FontStyle::Normal, DEJAVU_SANS);
        }
    });
}

pub(super) type DrawResult = std::result::Result<(), Box<dyn std::error::Error>>;

pub(super) fn style(size: f64) -> TextStyle<'static> {
    (FONT, size).into_font().color(&BLACK)
}

pub(super) fn grey(level: u8) -> RGBColor {
    RGBColor(level, level, level)
}

/// Numbers in labels: three significant digits, no exponent for everyday magnitudes.
pub fn short_number(x: f64) -> String {
    if !x.is_finite() {
        return if x.is_nan() { String::new() } else { format!("{x}") };
    }
    if x == 0.0 {
        return "0".into();
    }
    let a = x.abs();
    if !(1e-4..1e7).contains(&a) {
        let text = format!("{x:.2e}");
        return match text.split_once('e') {
            Some((m, e)) if m.contains('.') => format!("{}e{e}", m.trim_end_matches('0').trim_end_matches('.')),
            _ => text,
        };
    }
    let decimals = (2 - a.log10().floor() as i32).clamp(0, 6) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

pub(super) fn tick(x: &f64) -> String {
    // Tick positions are sums of steps and can miss zero by a rounding error.
    if x.abs() < 1e-10 {
        "0".into()
    } else {
        short_number(*x)
    }
}

/// Range covering `lo..hi` with a margin, starting at zero for non-negative data that comes
/// near it.
pub(super) fn padded(lo: f64, hi: f64, anchor_zero: bool) -> (f64, f64) {
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    let (mut lo, hi) = (lo, hi);
    if anchor_zero && lo >= 0.0 && lo <= 0.5 * hi {
        lo = 0.0;
    }
    let span = hi - lo;
    if span <= 0.0 {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        return (lo - pad, hi + pad);
    }
    let pad = span * 0.05;
    (if lo == 0.0 && anchor_zero { 0.0 } else { lo - pad }, hi + pad)
}

pub(super) fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[(String, Option<String>, RGBColor)],
    note: &str,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let mut y = 30;
    for (label, second, colour) in items {
        area.draw(&PathElement::new(vec![(8, y), (36, y)], colour.stroke_width(3)))?;
        area.draw(&Text::new(label.clone(), (44, y), style(14.0).pos(Pos::new(HPos::Left, VPos::Center))))?;
        y += 20;
        if let Some(second) = second {
            area.draw(&Text::new(
                second.clone(),
                (44, y),
                style(12.0).color(&grey(60)).pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
            y += 20;
        }
        y += 4;
    }
    let mut y = y + 16;
    for line in wrap(note, 30) {
        area.draw(&Text::new(line, (8, y), style(12.0).color(&grey(80)).pos(Pos::new(HPos::Left, VPos::Center))))?;
        y += 16;
    }
    Ok(())
}

pub(super) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Runs of consecutive steps where `keep` holds, as (start, end) exclusive.
pub(super) fn runs(n: usize, keep: impl Fn(usize) -> bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for i in 0..=n {
        let k = i < n && keep(i);
        match (k, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// A regime's colour is its own, not its place in the list: the market is orange first or
    /// second, in a run's list or a sweep's; labelled entries take the colours left, all
    /// distinct up to 8 entries.
    #[test]
    fn a_regime_keeps_its_colour_wherever_it_is_listed() {
        let e = |v: &[&str]| entry_colours(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        let showcase = e(&[
            "autarky",
            "market",
            "gift",
            "mutual_credit",
            "commons",
            "commons:planner",
            "commons:ostrom",
            "market:quota",
        ]);
        let sweep = e(&["market", "gift", "mutual_credit", "commons"]);
        assert_eq!(showcase[1], sweep[0]);
        assert_eq!(regime_colour_hex(sweep[0]), "#e69f00", "the market is orange");
        assert_eq!(showcase[2], sweep[1]);
        assert_eq!(showcase.iter().collect::<BTreeSet<_>>().len(), 8, "{showcase:?}");
        assert_eq!(e(&["commons:a", "commons:b"]), vec![0, 1]);
    }

    #[test]
    fn short_numbers_read_well() {
        assert_eq!(short_number(0.0), "0");
        assert_eq!(short_number(0.5234), "0.523");
        assert_eq!(short_number(12.345), "12.3");
        assert_eq!(short_number(1234.6), "1235");
        assert_eq!(short_number(-0.01), "-0.01");
        assert_eq!(short_number(f64::NAN), "");
        assert_eq!(short_number(1e-5), "1e-5");
        assert_eq!(short_number(2.5e-6), "2.5e-6");
    }

    #[test]
    fn runs_split_at_gaps() {
        let v = [1.0, f64::NAN, 2.0, 3.0, f64::NAN];
        assert_eq!(runs(v.len(), |i| v[i].is_finite()), vec![(0, 1), (2, 4)]);
    }

    #[test]
    fn every_colour_is_distinct() {
        let set: BTreeSet<String> = (0..PALETTE.len()).map(regime_colour_hex).collect();
        assert_eq!(set.len(), PALETTE.len());
        assert_eq!(regime_colour_hex(PALETTE.len()), regime_colour_hex(0));
    }
}
