//! Geometry of the trends charts: plain numbers and strings, turned into SVG by the template.

/// Width of every chart's viewBox; the CSS scales it to the page.
pub const WIDTH: f64 = 640.0;

/// A horizontal grid line with its value.
pub struct Tick {
    pub y: String,
    pub label: String,
}

/// One coloured piece of a bar.
pub struct Segment {
    pub class: &'static str,
    pub x: String,
    pub y: String,
    pub width: String,
    pub height: String,
}

/// A labelled column made of one or more stacked segments.
pub struct Column {
    pub segments: Vec<Segment>,
    pub label_x: String,
    /// Short label under the column; `sub_label` is a second line (e.g. the year) when set.
    pub label: String,
    pub sub_label: String,
}

/// A column chart with a value axis on the left.
pub struct ColumnChart {
    pub height: u32,
    pub left: u32,
    pub right: u32,
    pub baseline: String,
    pub label_y: u32,
    pub sub_label_y: u32,
    pub ticks: Vec<Tick>,
    pub columns: Vec<Column>,
}

/// The widest slot a column takes: with few columns (one month of data, a single score range)
/// the columns keep this width and start at the axis, and the grid ends after the last one,
/// instead of one bar floating in the middle of an empty chart.
const MAX_SLOT: f64 = 80.0;

const TOP: f64 = 12.0;
const PLOT_HEIGHT: f64 = 180.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = WIDTH - 8.0;

/// A step of 1, 2 or 5 × 10ⁿ giving about four grid lines up to `max`.
fn step_for(max: f64) -> f64 {
    crate::views::nice_step(max, 4.0)
}

/// What one column shows: its labels and its stacked values with their classes, bottom first.
pub struct ColumnData {
    pub label: String,
    pub sub_label: String,
    pub values: Vec<(&'static str, i64)>,
}

pub fn column_chart(columns: &[ColumnData]) -> ColumnChart {
    let max = columns
        .iter()
        .map(|c| c.values.iter().map(|(_, n)| *n).sum::<i64>())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let step = step_for(max);
    let axis_max = (max / step).ceil() * step;
    let base = TOP + PLOT_HEIGHT;
    let y_of = |v: f64| base - v / axis_max * PLOT_HEIGHT;
    let mut ticks = Vec::new();
    let mut v = 0.0;
    while v <= axis_max + 0.5 {
        ticks.push(Tick {
            y: format!("{:.1}", y_of(v)),
            label: format!("{v:.0}"),
        });
        v += step;
    }
    let slot = ((RIGHT - LEFT) / columns.len().max(1) as f64).min(MAX_SLOT);
    let bar = (slot * 0.7).min(60.0);
    let right = (LEFT + slot * columns.len().max(1) as f64).min(RIGHT);
    let columns = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let x = LEFT + slot * i as f64 + (slot - bar) / 2.0;
            let mut running = 0.0;
            let segments = c
                .values
                .iter()
                .filter(|(_, n)| *n > 0)
                .map(|(class, n)| {
                    let bottom = y_of(running);
                    running += *n as f64;
                    let top = y_of(running);
                    Segment {
                        class,
                        x: format!("{x:.1}"),
                        y: format!("{top:.1}"),
                        width: format!("{bar:.1}"),
                        height: format!("{:.1}", (bottom - top).max(1.0)),
                    }
                })
                .collect();
            Column {
                segments,
                label_x: format!("{:.1}", x + bar / 2.0),
                label: c.label.clone(),
                sub_label: c.sub_label.clone(),
            }
        })
        .collect();
    ColumnChart {
        height: (base + 44.0) as u32,
        left: LEFT as u32,
        right: right.round() as u32,
        baseline: format!("{base:.1}"),
        label_y: (base + 18.0) as u32,
        sub_label_y: (base + 34.0) as u32,
        ticks,
        columns,
    }
}

/// One factor's row in the push chart: break/fix count to the left, managed count to the right.
pub struct PushRow {
    pub label: String,
    pub y: u32,
    pub text_y: u32,
    pub bf_x: String,
    pub bf_width: String,
    pub bf_value_x: String,
    pub bf: i64,
    pub ms_width: String,
    pub ms_value_x: String,
    pub ms: i64,
}

pub struct PushChart {
    pub height: u32,
    pub centre: u32,
    pub axis_bottom: u32,
    pub rows: Vec<PushRow>,
}

const PUSH_LABEL: f64 = 200.0;
const PUSH_ROW: u32 = 28;
const PUSH_TOP: u32 = 26;

/// A diverging chart of how often each factor pushed each way: `(label, towards break/fix,
/// towards managed)`.
pub fn push_chart(rows: &[(String, i64, i64)]) -> PushChart {
    let centre = PUSH_LABEL + (WIDTH - PUSH_LABEL) / 2.0;
    let half = (WIDTH - PUSH_LABEL) / 2.0 - 36.0;
    let max = rows
        .iter()
        .map(|(_, bf, ms)| (*bf).max(*ms))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let width = |n: i64| {
        if n > 0 {
            (n as f64 / max * half).max(1.0)
        } else {
            0.0
        }
    };
    let rows: Vec<PushRow> = rows
        .iter()
        .enumerate()
        .map(|(i, (label, bf, ms))| {
            let y = PUSH_TOP + i as u32 * PUSH_ROW;
            let (bw, mw) = (width(*bf), width(*ms));
            PushRow {
                label: label.clone(),
                y,
                text_y: y + 14,
                bf_x: format!("{:.1}", centre - bw),
                bf_width: format!("{bw:.1}"),
                bf_value_x: format!("{:.1}", centre - bw - 4.0),
                bf: *bf,
                ms_width: format!("{mw:.1}"),
                ms_value_x: format!("{:.1}", centre + mw + 4.0),
                ms: *ms,
            }
        })
        .collect();
    let axis_bottom = PUSH_TOP + rows.len() as u32 * PUSH_ROW;
    PushChart {
        height: axis_bottom + 6,
        centre: centre as u32,
        axis_bottom,
        rows,
    }
}

/// A single bar split into the close-call share and the rest.
pub struct ShareBar {
    pub close_width: String,
    pub rest_x: String,
    pub rest_width: String,
    pub percent: String,
}

pub fn share_bar(total: i64, part: i64) -> ShareBar {
    let share = if total > 0 {
        part as f64 / total as f64
    } else {
        0.0
    };
    let w = share * WIDTH;
    ShareBar {
        close_width: format!("{w:.1}"),
        rest_x: format!("{w:.1}"),
        rest_width: format!("{:.1}", WIDTH - w),
        percent: format!("{:.0}%", share * 100.0),
    }
}

/// Score buckets from the lowest to the highest with data, gaps filled with zero, as
/// `(label, start, count)`.
pub fn fill_buckets(buckets: &[(i64, i64)]) -> Vec<(String, i64, i64)> {
    let (Some(first), Some(last)) = (buckets.first(), buckets.last()) else {
        return Vec::new();
    };
    (first.0..=last.0)
        .step_by(2)
        .map(|start| {
            let count = buckets
                .iter()
                .find(|(b, _)| *b == start)
                .map_or(0, |(_, n)| *n);
            (signed_whole(start), start, count)
        })
        .collect()
}

/// "+4", "−2", "0".
pub fn signed_whole(v: i64) -> String {
    match v {
        0 => "0".to_owned(),
        v if v > 0 => format!("+{v}"),
        v => format!("−{}", -v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stacked_segments_reach_the_column_total() {
        let chart = column_chart(&[ColumnData {
            label: "Jan".into(),
            sub_label: "2026".into(),
            values: vec![("bar-bf", 3), ("bar-ms", 4)],
        }]);
        let heights: f64 = chart.columns[0]
            .segments
            .iter()
            .map(|s| s.height.parse::<f64>().unwrap())
            .sum();
        // 7 of an axis up to 8 (steps of 2) on a 180-pixel plot.
        assert!((heights - 157.5).abs() < 0.2, "{heights}");
        assert_eq!(
            chart
                .ticks
                .iter()
                .map(|t| t.label.as_str())
                .collect::<Vec<_>>(),
            ["0", "2", "4", "6", "8"]
        );
    }

    #[test]
    fn a_single_column_keeps_its_width_and_stands_by_the_axis() {
        let one = column_chart(&[ColumnData {
            label: "Dec".into(),
            sub_label: "2026".into(),
            values: vec![("bar-ms", 1)],
        }]);
        let bar = &one.columns[0].segments[0];
        assert_eq!(bar.width, "56.0");
        assert_eq!(bar.x, "56.0");
        assert_eq!(one.right, 124);
        // Many columns share the plot as before.
        let many: Vec<ColumnData> = (0..12)
            .map(|i| ColumnData {
                label: format!("{i}"),
                sub_label: String::new(),
                values: vec![("bar-ms", i)],
            })
            .collect();
        assert_eq!(column_chart(&many).right, RIGHT as u32);
    }

    #[test]
    fn empty_buckets_between_scores_are_kept() {
        let filled = fill_buckets(&[(-4, 2), (2, 1)]);
        let starts: Vec<i64> = filled.iter().map(|b| b.1).collect();
        assert_eq!(starts, [-4, -2, 0, 2]);
        assert_eq!(filled[1].2, 0);
        assert_eq!(filled[0].0, "−4");
    }

    #[test]
    fn the_share_bar_splits_the_width() {
        let bar = share_bar(4, 1);
        assert_eq!(bar.percent, "25%");
        assert_eq!(bar.close_width, "160.0");
        assert_eq!(share_bar(0, 0).percent, "0%");
    }
}
