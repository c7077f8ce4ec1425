//! Presentation helpers shared by pages: number formatting and server-rendered SVG charts.
//! Charts are computed here as plain geometry; templates turn them into markup.

use crate::rules::Verdict;
use crate::rules::outcome::{CostSpread, Costs, Factor};

/// Whole number with thousands separators: 31245.6 → "31,246", −1200 → "-1,200".
pub fn thousands(v: f64) -> String {
    let rounded = v.round();
    let sign = if rounded < 0.0 { "-" } else { "" };
    format!("{sign}{}", crate::rules::thousands(rounded.abs() as u64))
}

/// US dollars as the advisor's explanations write them ("$31,246"; cents below $10), with a
/// typographic minus for pages.
pub fn money(v: f64) -> String {
    let text = crate::rules::money(v);
    match text.strip_prefix('-') {
        Some(magnitude) => format!("−{magnitude}"),
        None => text,
    }
}

/// An amount as typed or as a threshold: whole dollars with separators, cents only when there
/// are some ("$125", "$187.50", "$12,000").
pub fn amount(v: f64) -> String {
    if v.fract() == 0.0 {
        money(v)
    } else {
        let cents = (v.abs() * 100.0).round() as u64;
        let sign = if v < 0.0 { "−" } else { "" };
        format!(
            "{sign}${}.{:02}",
            crate::rules::thousands(cents / 100),
            cents % 100
        )
    }
}

/// A number without needless decimals: "3", "2.5", "1,200".
pub fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        thousands(v)
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// Points with a sign: "+2.0", "−1.5".
pub fn signed(v: f64) -> String {
    if v < 0.0 {
        format!("−{:.1}", -v)
    } else {
        format!("+{v:.1}")
    }
}

/// One bar of the reasoning chart.
pub struct FactorBar {
    pub label: String,
    pub points: String,
    pub managed: bool,
    pub x: String,
    pub width: String,
    pub y: String,
    pub text_y: String,
    pub value_x: String,
    pub value_anchor: &'static str,
}

/// Diverging bar chart of factor points: break/fix to the left of the centre line, managed to
/// the right.
pub struct FactorChart {
    pub height: u32,
    pub centre: u32,
    pub axis_bottom: u32,
    pub bars: Vec<FactorBar>,
}

const FACTOR_ROW: u32 = 30;
const FACTOR_TOP: u32 = 28;
const LABEL_WIDTH: f64 = 190.0;
const CHART_WIDTH: f64 = 640.0;

pub fn factor_chart(factors: &[Factor]) -> FactorChart {
    let centre = LABEL_WIDTH + (CHART_WIDTH - LABEL_WIDTH) / 2.0;
    let half = (CHART_WIDTH - LABEL_WIDTH) / 2.0 - 40.0;
    let max = factors
        .iter()
        .map(|f| f.points.abs())
        .fold(0.0_f64, f64::max)
        .max(0.5);
    let bars = factors
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let w = (f.points.abs() / max * half).max(1.0);
            let managed = f.points > 0.0;
            let x = if managed { centre } else { centre - w };
            let y = FACTOR_TOP + i as u32 * FACTOR_ROW;
            let (value_x, value_anchor) = if managed {
                (centre + w + 4.0, "start")
            } else {
                (centre - w - 4.0, "end")
            };
            FactorBar {
                label: f.label.clone(),
                points: signed(f.points),
                managed,
                x: format!("{x:.1}"),
                width: format!("{w:.1}"),
                y: y.to_string(),
                text_y: (y + 15).to_string(),
                value_x: format!("{value_x:.1}"),
                value_anchor,
            }
        })
        .collect::<Vec<_>>();
    let axis_bottom = FACTOR_TOP + bars.len() as u32 * FACTOR_ROW;
    FactorChart {
        height: axis_bottom + 8,
        centre: centre as u32,
        axis_bottom,
        bars,
    }
}

/// One model's row in the cost chart: a band from p10 to p90, a tick at p50, a diamond at the
/// expected cost and, when the result has it, a whisker out to the one-year-in-a-hundred cost.
pub struct CostRow {
    pub label: &'static str,
    pub class: &'static str,
    pub y: u32,
    pub mid_y: u32,
    pub label_y: u32,
    pub p10_x: String,
    pub band_width: String,
    pub p50_x: String,
    pub expected_x: String,
    pub diamond: String,
    pub tail: Option<Tail>,
}

/// The whisker from the bad year (p90) to the one-year-in-a-hundred cost (p99).
pub struct Tail {
    pub from_x: String,
    pub to_x: String,
}

pub struct AxisTick {
    pub x: String,
    pub label: String,
}

pub struct CostChart {
    /// Width of the drawing in SVG units (its `viewBox`).
    pub width: u32,
    /// The chart's accessible name, naming the models it shows.
    pub title: &'static str,
    pub rows: Vec<CostRow>,
    pub ticks: Vec<AxisTick>,
    pub axis_y: u32,
    pub height: u32,
    /// Whether any row has a p99 whisker, so the caption explains it.
    pub has_tail: bool,
}

/// A "nice" step (1, 2 or 5 × 10ⁿ) for about `count` ticks up to `max`.
pub fn nice_step(max: f64, count: f64) -> f64 {
    let raw = (max / count).max(1.0);
    let magnitude = 10f64.powf(raw.log10().floor());
    let scaled = raw / magnitude;
    let nice = if scaled <= 1.0 {
        1.0
    } else if scaled <= 2.0 {
        2.0
    } else if scaled <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// The models a result prices, in the order pages show them: break/fix, managed, and co-managed
/// when the result costs it.
pub fn cost_models(costs: &Costs) -> Vec<(&'static str, &'static str, &CostSpread)> {
    let mut models = vec![
        ("Break/fix", "bf", &costs.break_fix),
        ("Managed", "ms", &costs.managed),
    ];
    if let Some(cm) = &costs.co_managed {
        models.push(("Co-managed", "cm", cm));
    }
    models
}

/// The cost chart at the full page's width.
pub fn cost_chart(costs: &Costs) -> CostChart {
    cost_chart_width(costs, CHART_WIDTH)
}

const COST_ROW: u32 = 56;
const COST_TOP: u32 = 16;

/// The cost chart drawn `width` units wide; narrower drawings keep text larger when scaled down.
pub fn cost_chart_width(costs: &Costs, width: f64) -> CostChart {
    let left = if width < CHART_WIDTH { 90.0 } else { 130.0 };
    let right = width - 20.0;
    let models = cost_models(costs);
    // The scale older results were drawn at, widened for what newer results add.
    let top_value = models
        .iter()
        .filter_map(|(_, _, s)| s.p99)
        .chain(
            costs
                .co_managed
                .iter()
                .flat_map(|cm| [cm.p90, cm.expected_annual]),
        )
        .fold(
            costs
                .break_fix
                .p90
                .max(costs.managed.p90)
                .max(costs.break_fix.expected_annual)
                .max(1.0),
            f64::max,
        );
    let step = nice_step(top_value, 4.0);
    let axis_max = (top_value / step).ceil() * step;
    let scale = |v: f64| left + (v.max(0.0) / axis_max) * (right - left);
    let rows: Vec<CostRow> = models
        .iter()
        .enumerate()
        .map(|(i, (label, class, spread))| {
            let y = COST_TOP + i as u32 * COST_ROW;
            let mid = f64::from(y) + 14.0;
            let ex = scale(spread.expected_annual);
            CostRow {
                label,
                class,
                y,
                mid_y: y + 14,
                label_y: y + 19,
                p10_x: format!("{:.1}", scale(spread.p10)),
                band_width: format!("{:.1}", (scale(spread.p90) - scale(spread.p10)).max(2.0)),
                p50_x: format!("{:.1}", scale(spread.p50)),
                expected_x: format!("{ex:.1}"),
                diamond: format!(
                    "{:.1},{:.1} {:.1},{:.1} {:.1},{:.1} {:.1},{:.1}",
                    ex,
                    mid - 7.0,
                    ex + 7.0,
                    mid,
                    ex,
                    mid + 7.0,
                    ex - 7.0,
                    mid
                ),
                tail: spread.p99.map(|p99| Tail {
                    from_x: format!("{:.1}", scale(spread.p90)),
                    to_x: format!("{:.1}", scale(p99.max(spread.p90))),
                }),
            }
        })
        .collect();
    let mut ticks = Vec::new();
    let mut v = 0.0;
    while v <= axis_max + 0.5 {
        ticks.push(AxisTick {
            x: format!("{:.1}", scale(v)),
            label: short_money(v),
        });
        v += step;
    }
    let axis_y = COST_TOP + rows.len() as u32 * COST_ROW - 4;
    CostChart {
        width: width as u32,
        title: if costs.co_managed.is_some() {
            "Yearly cost of break/fix, managed and co-managed IT"
        } else {
            "Yearly cost of break/fix and managed IT"
        },
        has_tail: rows.iter().any(|r| r.tail.is_some()),
        rows,
        ticks,
        axis_y,
        height: axis_y + 26,
    }
}

/// "$40K", "$1.2M": axis labels must stay short.
fn short_money(v: f64) -> String {
    if v >= 1_000_000.0 {
        let m = v / 1_000_000.0;
        if m.fract() == 0.0 {
            format!("${m:.0}M")
        } else {
            format!("${m:.1}M")
        }
    } else if v >= 1_000.0 {
        let k = v / 1_000.0;
        if k.fract() == 0.0 {
            format!("${k:.0}K")
        } else {
            format!("${k:.1}K")
        }
    } else {
        format!("${v:.0}")
    }
}

/// Concrete next steps for the recommended model.
pub fn next_steps(verdict: Verdict) -> &'static [&'static str] {
    match verdict {
        Verdict::Managed => &[
            "Take stock of what you have: devices, accounts, software licences, where files live, who has admin passwords, and when a backup was last restored as a test.",
            "Ask two or three providers for a quote based on that list. Ask what the monthly price covers (help desk, monitoring, security updates, backups, on-site visits) and what is billed on top (projects, new equipment).",
            "Read the service-level agreement: how fast they answer an urgent problem (15 to 60 minutes is common), how fast someone is on site, and what happens when they miss it.",
            "Check the exit terms: contract length (often 1 to 3 years), notice period, and that your passwords, data and documentation stay yours.",
            "Plan the move with the provider: an onboarding period, one clear contact on your side, and a first review after 90 days.",
        ],
        Verdict::BreakFix => &[
            "Find a local technician or firm before you need one: agree the hourly rate, the minimum charge, the after-hours rate and how quickly they usually come.",
            "Keep the basics in order yourself: automatic updates on, a backup that you test by restoring a file every few months, and a password manager.",
            "Write down your set-up (accounts, devices, internet provider, who to call) so whoever fixes a problem starts fast.",
            "Keep a simple log of IT problems and their cost. If they pass a few a month or an outage hurts, run this assessment again.",
            "Put some money aside for the bad year: a dead server or a security incident costs far more than a normal month.",
        ],
        Verdict::CoManaged => &[
            "Write down what your IT staff do well and where they are stretched: after-hours cover, security monitoring, compliance evidence, projects, holidays and sick days.",
            "Ask providers for a co-managed quote that fills exactly those gaps, with a clear split of who does what (a responsibility matrix).",
            "Agree shared tools and access: one ticket system, shared documentation, and who holds which admin rights.",
            "Check the service-level agreement for the parts the provider covers, especially nights and weekends.",
            "Review the split after 90 days and again each year as the team grows.",
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_on_pages_reads_like_the_explanations_with_a_real_minus_sign() {
        assert_eq!(money(31_245.6), "$31,246");
        assert_eq!(money(7.5), "$7.50");
        assert_eq!(money(-1_200.0), "−$1,200");
        assert_eq!(money(0.0), "$0");
    }
}
