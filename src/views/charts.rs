//! The server-rendered SVG charts, computed as plain geometry that templates turn into markup.
//!
//! Charts have no `viewBox`: they are drawn at the page's width, with horizontal positions in
//! percent and heights in pixels, so their text keeps its CSS size (14 px) on a phone as on a
//! desktop instead of shrinking with the drawing. Every label sits on a line of its own above its
//! bar, so nothing needs the room a label column would take on a narrow screen.

use super::{money, signed};
use crate::rules::outcome::{CostSpread, Costs, Factor};

/// A horizontal position in percent of the chart's width, as SVG wants it ("42.5%").
fn pct(v: f64) -> String {
    format!("{:.1}%", v.clamp(0.0, 100.0))
}

/// One bar of the reasoning chart: a label line, then the bar from the centre line.
pub struct FactorBar {
    pub label: String,
    pub points: String,
    pub managed: bool,
    /// Baseline of the label line, in pixels.
    pub label_y: u32,
    /// Top of the bar, in pixels.
    pub y: u32,
    pub x: String,
    pub width: String,
    /// Baseline of the points, beside the bar's outer end.
    pub value_y: u32,
    pub value_x: String,
    pub value_dx: i32,
    pub value_anchor: &'static str,
}

/// Diverging bar chart of factor points: break/fix to the left of the centre line, the provider
/// option to the right.
pub struct FactorChart {
    pub height: u32,
    pub axis_top: u32,
    pub axis_bottom: u32,
    pub bars: Vec<FactorBar>,
}

/// Pixels per factor: a 14 px label line, the 14 px bar below it, and air.
const FACTOR_ROW: u32 = 40;
/// Room for the "← break/fix | managed IT →" line above the bars.
const FACTOR_TOP: u32 = 26;
const BAR_HEIGHT: u32 = 14;
/// The longest bar reaches this share of the width from the centre, leaving the rest of the
/// half for its points ("+12.6" at 14 px is about 36 px: 12% of a 320 px phone's chart).
const HALF_BAR: f64 = 37.0;

pub fn factor_chart(factors: &[Factor]) -> FactorChart {
    let max = factors
        .iter()
        .map(|f| f.points.abs())
        .fold(0.0_f64, f64::max)
        .max(0.5);
    let bars: Vec<FactorBar> = factors
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let w = (f.points.abs() / max * HALF_BAR).max(0.3);
            let managed = f.points > 0.0;
            let label_y = FACTOR_TOP + i as u32 * FACTOR_ROW + 14;
            let y = label_y + 6;
            let (x, value_x, value_dx, value_anchor) = if managed {
                (50.0, 50.0 + w, 6, "start")
            } else {
                (50.0 - w, 50.0 - w, -6, "end")
            };
            FactorBar {
                label: f.label.clone(),
                points: signed(f.points),
                managed,
                label_y,
                y,
                x: pct(x),
                width: pct(w),
                value_y: y + BAR_HEIGHT - 2,
                value_x: pct(value_x),
                value_dx,
                value_anchor,
            }
        })
        .collect();
    let axis_bottom = FACTOR_TOP + bars.len() as u32 * FACTOR_ROW;
    FactorChart {
        height: axis_bottom + 4,
        axis_top: FACTOR_TOP - 6,
        axis_bottom,
        bars,
    }
}

/// One model's row in the cost chart: its name and the range of most years in dollars, then a
/// band from the good year (p10) to the bad year (p90), a line at the normal year (p50), a dot
/// at the average year and, when the result has it, a whisker out to the one-year-in-a-hundred
/// cost.
pub struct CostRow {
    pub label: &'static str,
    /// "$38,100 to $55,700": the band in dollars, written beside the model's name.
    pub range: String,
    pub class: &'static str,
    pub label_y: u32,
    pub y: u32,
    pub mid_y: u32,
    pub bottom_y: u32,
    pub p10_x: String,
    pub band_width: String,
    pub p50_x: String,
    pub expected_x: String,
    pub tail: Option<Tail>,
}

/// The whisker from the bad year (p90) to the one-year-in-a-hundred cost (p99).
pub struct Tail {
    pub from_x: String,
    pub to_x: String,
    /// The p99 lies past the axis: the whisker ends in an arrow at the right edge, and the
    /// dollars are in the table. The axis follows the bands, which most years fall in, so a
    /// once-a-century ransomware bill does not squeeze them into a corner.
    pub beyond: bool,
}

pub struct AxisTick {
    pub x: String,
    pub label: String,
    pub anchor: &'static str,
}

pub struct CostChart {
    /// The chart's accessible name, naming the models it shows.
    pub title: &'static str,
    pub rows: Vec<CostRow>,
    pub ticks: Vec<AxisTick>,
    pub axis_y: u32,
    pub height: u32,
    /// Whether any row has a p99 whisker, so the legend explains it.
    pub has_tail: bool,
    /// Whether a whisker runs past the scale and ends in an arrow.
    pub has_beyond: bool,
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

/// Pixels per model: the 14 px label line, the 22 px band, and air.
const COST_ROW: u32 = 54;
const BAND_HEIGHT: u32 = 22;
/// The axis runs from this share of the width to `AXIS_RIGHT`, so the dot at either end and
/// the end ticks' labels stay inside the drawing.
const AXIS_LEFT: f64 = 1.0;
const AXIS_RIGHT: f64 = 97.0;

pub fn cost_chart(costs: &Costs) -> CostChart {
    let models = cost_models(costs);
    // Wide enough for every band and average; a p99 further out gets an arrow.
    let top_value = models
        .iter()
        .flat_map(|(_, _, s)| [s.p90, s.expected_annual])
        .fold(1.0, f64::max);
    let step = nice_step(top_value, 4.0);
    let axis_max = (top_value / step).ceil() * step;
    let scale = |v: f64| AXIS_LEFT + (v.max(0.0) / axis_max) * (AXIS_RIGHT - AXIS_LEFT);
    let rows: Vec<CostRow> = models
        .iter()
        .enumerate()
        .map(|(i, (label, class, spread))| {
            let label_y = 14 + i as u32 * COST_ROW;
            let y = label_y + 7;
            CostRow {
                label,
                range: format!("{} to {}", money(spread.p10), money(spread.p90)),
                class,
                label_y,
                y,
                mid_y: y + BAND_HEIGHT / 2,
                bottom_y: y + BAND_HEIGHT,
                p10_x: pct(scale(spread.p10)),
                band_width: pct((scale(spread.p90) - scale(spread.p10)).max(0.4)),
                p50_x: pct(scale(spread.p50)),
                expected_x: pct(scale(spread.expected_annual)),
                tail: spread.p99.map(|p99| Tail {
                    from_x: pct(scale(spread.p90)),
                    to_x: pct(scale(p99.clamp(spread.p90, axis_max))),
                    beyond: p99 > axis_max,
                }),
            }
        })
        .collect();
    let axis_y = rows.len() as u32 * COST_ROW + 4;
    // At least one step: `axis_max` is a whole number of steps, at least one.
    let steps = (axis_max / step).round().max(1.0) as usize;
    let ticks = (0..=steps)
        .map(|k| {
            let v = k as f64 * step;
            AxisTick {
                x: pct(scale(v)),
                label: short_money(v),
                // The end labels grow inwards, so they stay inside the drawing.
                anchor: match k {
                    0 => "start",
                    k if k == steps => "end",
                    _ => "middle",
                },
            }
        })
        .collect();
    CostChart {
        title: if costs.co_managed.is_some() {
            "Yearly cost of break/fix, managed and co-managed IT"
        } else {
            "Yearly cost of break/fix and managed IT"
        },
        has_tail: rows.iter().any(|r| r.tail.is_some()),
        has_beyond: rows
            .iter()
            .any(|r| r.tail.as_ref().is_some_and(|t| t.beyond)),
        rows,
        ticks,
        axis_y,
        height: axis_y + 22,
    }
}

/// "$40K", "$1.2M": axis labels must stay short.
fn short_money(v: f64) -> String {
    let (scaled, suffix) = if v >= 1_000_000.0 {
        (v / 1_000_000.0, "M")
    } else if v >= 1_000.0 {
        (v / 1_000.0, "K")
    } else {
        (v, "")
    };
    if scaled.fract() == 0.0 {
        format!("${scaled:.0}{suffix}")
    } else {
        format!("${scaled:.1}{suffix}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_labels_stay_short() {
        assert_eq!(short_money(0.0), "$0");
        assert_eq!(short_money(500.0), "$500");
        assert_eq!(short_money(40_000.0), "$40K");
        assert_eq!(short_money(2_500.0), "$2.5K");
        assert_eq!(short_money(1_200_000.0), "$1.2M");
    }

    #[test]
    fn positions_are_percentages_inside_the_drawing() {
        assert_eq!(pct(42.46), "42.5%");
        assert_eq!(pct(-3.0), "0.0%");
        assert_eq!(pct(140.0), "100.0%");
    }
}
