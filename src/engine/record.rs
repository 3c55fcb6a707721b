//! Phase 8: the one place a step's row is written. The common metrics come from the world's
//! columns, each regime writes the metrics it declared from what it measured during the step,
//! and the policy phase's report and the platform's capture are copied in.

use super::phases::present_count;
use super::sim::Sim;
use crate::metrics::record::{record_common, CommonOut};
use crate::metrics::{Common, RegimeOut};
use crate::policy::Policy;

impl Sim<'_> {
    /// Fills one row per slot from the current state and what the step measured.
    pub(super) fn record(&mut self) {
        self.record_with(true);
    }

    /// Like [`Sim::record`]; with `common` false the common metrics are left out (`NaN`), for
    /// steps that are not recorded: the regimes and the policy phase still hand over what they
    /// measured, so the state after the step is the same either way.
    pub(super) fn record_with(&mut self, common: bool) {
        let present = if common { present_count(&self.world) } else { 0 };
        let coexist = self.slots.len() > 1;
        let plan = self.plan;
        let layout = &plan.layout;
        let mut rows = std::mem::take(&mut self.rows);
        for (k, row) in rows.iter_mut().enumerate() {
            row.fill(f64::NAN);
            let mut view = self.slots[k].view(k);
            // A game's payoffs exist once a round has been played.
            view.payoff_wellbeing &= self.step > 0;
            if common {
                let mut out = CommonOut { row, layout };
                record_common(&self.world, view, present, &mut self.scratch, &mut out);
            }
            if common && coexist && present > 0 {
                let members = row[layout.common(Common::Agents)];
                row[layout.common(Common::RegimeShare)] = members / present as f64;
            }
            if let Some(g) = self.world.governance.measured(k as u8) {
                row[layout.common(Common::Sanctions)] = g.sanctions;
                let m = g.members;
                row[layout.common(Common::ExcludedShare)] = if m > 0.0 { g.excluded / m } else { f64::NAN };
                row[layout.common(Common::QuotaFactor)] = if m > 0.0 { g.quota_factor / m } else { f64::NAN };
                row[layout.common(Common::Monitoring)] = g.monitoring;
            }
            if self.step > 0 {
                row[layout.common(Common::TransferLoss)] = self.world.transfer_lost[k];
            }
            let s = &mut self.slots[k];
            if let Some(captured) = s.captured.take() {
                row[layout.common(Common::PlatformCapture)] = captured;
            }
            if let Some(p) = s.report.take() {
                row[layout.policy(Policy::TaxRevenue as usize)] = p.tax_revenue;
                row[layout.policy(Policy::BasicIncomePaid as usize)] = p.basic_income_paid;
                row[layout.policy(Policy::Treasury as usize)] = p.treasury;
                row[layout.policy(Policy::Demurrage as usize)] = p.demurrage;
            }
            let columns = &plan.entries[s.entry].columns;
            s.regime.record(&mut RegimeOut::new(row, columns));
            if let Some(p) = s.regime.prices() {
                for (g, price) in p.iter().enumerate() {
                    row[layout.price(g)] = *price;
                }
            }
        }
        self.rows = rows;
    }
}
