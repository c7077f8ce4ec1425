//! Checks on the cost section of a rules file: ranges, sources, and the consistency between the
//! break/fix and managed figures that the year-by-year guarantees rely on (see `validate.rs`).

use super::ruleset::{CostRules, Sourced};
use super::validate::Checker;

impl Checker {
    /// Every check on `[costs]`.
    pub fn costs(&mut self, costs: &CostRules) {
        let bf = &costs.break_fix;
        let m = &costs.managed;
        let b = &costs.business;
        let ih = &costs.in_house;
        let sv = &costs.severe;
        let all: [(&str, &Sourced); 46] = [
            (
                "costs.break_fix.security_stack_per_user_month",
                &bf.security_stack_per_user_month,
            ),
            (
                "costs.break_fix.routine_requests_per_user_year",
                &bf.routine_requests_per_user_year,
            ),
            (
                "costs.break_fix.routine_request_hours",
                &bf.routine_request_hours,
            ),
            (
                "costs.managed.minimum_billed_users",
                &m.minimum_billed_users,
            ),
            (
                "costs.managed.light_user_seat_share",
                &m.light_user_seat_share,
            ),
            (
                "costs.business.incidents_per_user_month",
                &b.incidents_per_user_month,
            ),
            (
                "costs.in_house.informal_hours_per_week",
                &ih.informal_hours_per_week,
            ),
            (
                "costs.in_house.informal_hours_per_item",
                &ih.informal_hours_per_item,
            ),
            (
                "costs.in_house.part_time_hours_per_item",
                &ih.part_time_hours_per_item,
            ),
            (
                "costs.in_house.it_person_loaded_cost",
                &ih.it_person_loaded_cost,
            ),
            (
                "costs.in_house.users_per_it_person",
                &ih.users_per_it_person,
            ),
            (
                "costs.in_house.part_time_max_share",
                &ih.part_time_max_share,
            ),
            ("costs.severe.response_median", &sv.response_median),
            ("costs.severe.response_mean", &sv.response_mean),
            ("costs.severe.reference_users", &sv.reference_users),
            ("costs.severe.notification_fixed", &sv.notification_fixed),
            (
                "costs.severe.notification_per_record",
                &sv.notification_per_record,
            ),
            ("costs.severe.records_per_user", &sv.records_per_user),
            ("costs.break_fix.hourly_rate", &bf.hourly_rate),
            (
                "costs.break_fix.minimum_billable_hours",
                &bf.minimum_billable_hours,
            ),
            ("costs.break_fix.trip_charge", &bf.trip_charge),
            (
                "costs.break_fix.after_hours_multiplier",
                &bf.after_hours_multiplier,
            ),
            (
                "costs.break_fix.billable_hours_mean",
                &bf.billable_hours_mean,
            ),
            (
                "costs.break_fix.billable_hours_sigma",
                &bf.billable_hours_sigma,
            ),
            ("costs.break_fix.mttr_hours", &bf.mttr_hours),
            ("costs.break_fix.outage_probability", &bf.outage_probability),
            ("costs.break_fix.outage_hours", &bf.outage_hours),
            (
                "costs.break_fix.emergency_labour_hours",
                &bf.emergency_labour_hours,
            ),
            ("costs.break_fix.cyber_probability", &bf.cyber_probability),
            ("costs.break_fix.cyber_days", &bf.cyber_days),
            (
                "costs.break_fix.cyber_recovery_hours",
                &bf.cyber_recovery_hours,
            ),
            ("costs.managed.fee_per_user", &m.fee_per_user),
            ("costs.managed.onboarding_months", &m.onboarding_months),
            ("costs.managed.comparison_years", &m.comparison_years),
            ("costs.managed.incident_reduction", &m.incident_reduction),
            ("costs.managed.mttr_hours", &m.mttr_hours),
            ("costs.managed.out_of_scope_share", &m.out_of_scope_share),
            ("costs.managed.outage_probability", &m.outage_probability),
            ("costs.managed.outage_hours", &m.outage_hours),
            ("costs.managed.cyber_probability", &m.cyber_probability),
            ("costs.managed.cyber_days", &m.cyber_days),
            (
                "costs.managed.co_managed_fee_share",
                &m.co_managed_fee_share,
            ),
            (
                "costs.business.loaded_cost_per_hour",
                &b.loaded_cost_per_hour,
            ),
            (
                "costs.business.revenue_per_employee",
                &b.revenue_per_employee,
            ),
            (
                "costs.business.business_hours_per_year",
                &b.business_hours_per_year,
            ),
            (
                "costs.business.hours_per_business_day",
                &b.hours_per_business_day,
            ),
        ];
        for (path, s) in all {
            self.sourced(path, s);
        }

        for (path, v) in [
            ("costs.break_fix.hourly_rate", bf.hourly_rate.value),
            (
                "costs.break_fix.billable_hours_mean",
                bf.billable_hours_mean.value,
            ),
            ("costs.managed.fee_per_user", m.fee_per_user.value),
            ("costs.managed.comparison_years", m.comparison_years.value),
            (
                "costs.in_house.users_per_it_person",
                ih.users_per_it_person.value,
            ),
            ("costs.severe.response_median", sv.response_median.value),
            ("costs.severe.reference_users", sv.reference_users.value),
            (
                "costs.business.business_hours_per_year",
                b.business_hours_per_year.value,
            ),
            (
                "costs.business.hours_per_business_day",
                b.hours_per_business_day.value,
            ),
        ] {
            self.positive(path, v);
        }
        for (path, v) in [
            (
                "costs.break_fix.minimum_billable_hours",
                bf.minimum_billable_hours.value,
            ),
            ("costs.break_fix.trip_charge", bf.trip_charge.value),
            ("costs.break_fix.mttr_hours", bf.mttr_hours.value),
            ("costs.break_fix.outage_hours", bf.outage_hours.value),
            (
                "costs.break_fix.emergency_labour_hours",
                bf.emergency_labour_hours.value,
            ),
            ("costs.break_fix.cyber_days", bf.cyber_days.value),
            (
                "costs.break_fix.cyber_recovery_hours",
                bf.cyber_recovery_hours.value,
            ),
            ("costs.managed.onboarding_months", m.onboarding_months.value),
            (
                "costs.break_fix.security_stack_per_user_month",
                bf.security_stack_per_user_month.value,
            ),
            (
                "costs.break_fix.routine_requests_per_user_year",
                bf.routine_requests_per_user_year.value,
            ),
            (
                "costs.break_fix.routine_request_hours",
                bf.routine_request_hours.value,
            ),
            (
                "costs.managed.minimum_billed_users",
                m.minimum_billed_users.value,
            ),
            (
                "costs.business.incidents_per_user_month",
                b.incidents_per_user_month.value,
            ),
            (
                "costs.in_house.informal_hours_per_week",
                ih.informal_hours_per_week.value,
            ),
            (
                "costs.in_house.informal_hours_per_item",
                ih.informal_hours_per_item.value,
            ),
            (
                "costs.in_house.part_time_hours_per_item",
                ih.part_time_hours_per_item.value,
            ),
            (
                "costs.in_house.it_person_loaded_cost",
                ih.it_person_loaded_cost.value,
            ),
            (
                "costs.severe.notification_fixed",
                sv.notification_fixed.value,
            ),
            (
                "costs.severe.notification_per_record",
                sv.notification_per_record.value,
            ),
            ("costs.severe.records_per_user", sv.records_per_user.value),
            ("costs.managed.mttr_hours", m.mttr_hours.value),
            ("costs.managed.outage_hours", m.outage_hours.value),
            ("costs.managed.cyber_days", m.cyber_days.value),
            (
                "costs.business.loaded_cost_per_hour",
                b.loaded_cost_per_hour.value,
            ),
            (
                "costs.business.revenue_per_employee",
                b.revenue_per_employee.value,
            ),
        ] {
            self.non_negative(path, v);
        }
        for (path, v) in [
            (
                "costs.break_fix.outage_probability",
                bf.outage_probability.value,
            ),
            (
                "costs.break_fix.cyber_probability",
                bf.cyber_probability.value,
            ),
            (
                "costs.managed.incident_reduction",
                m.incident_reduction.value,
            ),
            (
                "costs.managed.out_of_scope_share",
                m.out_of_scope_share.value,
            ),
            (
                "costs.managed.outage_probability",
                m.outage_probability.value,
            ),
            ("costs.managed.cyber_probability", m.cyber_probability.value),
            (
                "costs.managed.co_managed_fee_share",
                m.co_managed_fee_share.value,
            ),
            (
                "costs.in_house.part_time_max_share",
                ih.part_time_max_share.value,
            ),
            (
                "costs.managed.light_user_seat_share",
                m.light_user_seat_share.value,
            ),
        ] {
            self.probability(path, v);
        }
        if sv.response_mean.value < sv.response_median.value {
            self.problem(
                "costs.severe.response_mean must not be below costs.severe.response_median \
                 (a lognormal's mean is at least its median)"
                    .into(),
            );
        }
        let mult = bf.after_hours_multiplier.value;
        if !(1.0..=10.0).contains(&mult) {
            self.problem(format!(
                "costs.break_fix.after_hours_multiplier must be between 1 and 10 (got {mult})"
            ));
        }
        let sigma = bf.billable_hours_sigma.value;
        if !(0.0..=3.0).contains(&sigma) {
            self.problem(format!(
                "costs.break_fix.billable_hours_sigma must be between 0 and 3 (got {sigma})"
            ));
        }

        self.not_above(
            ("costs.managed.mttr_hours", m.mttr_hours.value),
            ("costs.break_fix.mttr_hours", bf.mttr_hours.value),
        );
        self.not_above(
            (
                "costs.managed.outage_probability",
                m.outage_probability.value,
            ),
            (
                "costs.break_fix.outage_probability",
                bf.outage_probability.value,
            ),
        );
        self.not_above(
            ("costs.managed.outage_hours", m.outage_hours.value),
            ("costs.break_fix.outage_hours", bf.outage_hours.value),
        );
        self.not_above(
            ("costs.managed.cyber_probability", m.cyber_probability.value),
            (
                "costs.break_fix.cyber_probability",
                bf.cyber_probability.value,
            ),
        );
        self.not_above(
            ("costs.managed.cyber_days", m.cyber_days.value),
            ("costs.break_fix.cyber_days", bf.cyber_days.value),
        );

        let maps = &costs.mappings;
        let why = "more need must never make problems cheaper";
        for (path, table) in [
            ("costs.onsite_share", &maps.onsite_share),
            ("costs.after_hours_share", &maps.after_hours_share),
            ("costs.productivity_impact", &maps.productivity_impact),
            ("costs.site_idle_share", &maps.site_idle_share),
            ("costs.revenue_dependence", &maps.revenue_dependence),
            ("costs.in_house_fix_share", &maps.in_house_fix_share),
            ("costs.notification_share", &maps.notification_share),
        ] {
            for v in &table.values {
                self.probability(path, *v);
            }
            self.non_decreasing(path, &table.values, why);
        }
        for v in &maps.in_house_kept_share.values {
            self.probability("costs.in_house_kept_share", *v);
        }
        let cyber = &maps.cyber_multiplier;
        for v in &cyber.values {
            self.non_negative("costs.cyber_multiplier", *v);
        }
        self.non_decreasing("costs.cyber_multiplier", &cyber.values, why);
        let worst = cyber.values.iter().copied().fold(0.0, f64::max) * bf.cyber_probability.value;
        if worst > 1.0 {
            self.problem(format!(
                "costs.cyber_multiplier × costs.break_fix.cyber_probability must stay at most 1 (got {worst})"
            ));
        }
    }
}
