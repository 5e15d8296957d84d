//! The charts of the pages, drawn by plotters' SVG backend into strings the templates inline.
//!
//! Every chart is a `<figure class="chart">` whose SVG carries a text alternative (`role="img"`,
//! `<title>`) and whose numbers are also in a table beside it: colour is never the only carrier of
//! meaning (series are named in legends, gaps carry a mark as well as a colour).

use std::ops::Range;

use plotters::coord::ranged1d::SegmentValue;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::{Error, Result};

/// Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
pub const PALETTE: [RGBColor; 6] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 158, 115),   // green
    RGBColor(204, 121, 167), // purple
    RGBColor(86, 180, 233),  // sky
    RGBColor(213, 94, 0),    // vermillion
];
/// Errors and gaps.
pub const ALERT: RGBColor = RGBColor(213, 94, 0);
const GRID: RGBColor = RGBColor(225, 225, 225);
const FONT: &str = "sans-serif";

fn err<E: std::fmt::Display>(e: E) -> Error {
    Error::Chart(e.to_string())
}

/// Gives plotters' `<svg>` a text alternative, and lets it scale down with the page.
fn accessible(svg: String, label: &str) -> String {
    let label = escape(label);
    let svg = svg.replacen(
        "<svg ",
        &format!("<svg role=\"img\" aria-label=\"{label}\" preserveAspectRatio=\"xMinYMin meet\" "),
        1,
    );
    match svg.find('>') {
        Some(end) => format!("{}<title>{label}</title>{}", &svg[..=end], &svg[end + 1..]),
        None => svg,
    }
}

/// XML text and attribute escaping for what we add to plotters' output ourselves.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c if c.is_control() => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

/// Labels cut to `n` characters (plotters lays out by an estimate of text width).
fn short(s: &str, n: usize) -> String {
    let s: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if s.chars().count() > n {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    } else {
        s
    }
}

/// A plotting area over f64 x and y, as every chart over time has.
type Plot<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The frame the time charts share: white canvas, margins, room for the y labels, the ranges.
fn frame<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    y_label_room: u32,
    x: Range<f64>,
    y: Range<f64>,
) -> Result<Plot<'a, 'b>> {
    root.fill(&WHITE).map_err(err)?;
    ChartBuilder::on(root)
        .margin(6)
        .margin_right(40)
        .x_label_area_size(22)
        .y_label_area_size(y_label_room)
        .build_cartesian_2d(x, y)
        .map_err(err)
}

/// Their axes: light grid lines only across (and down when `x_grid`), labels formatted.
fn axes(
    chart: &mut Plot,
    x_grid: bool,
    x_labels: usize,
    x_format: &dyn Fn(&f64) -> String,
    y_format: &dyn Fn(f64) -> String,
) -> Result<()> {
    let y_fmt = |y: &f64| y_format(*y);
    let mut mesh = chart.configure_mesh();
    if !x_grid {
        mesh.disable_x_mesh();
    }
    mesh.light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .x_labels(x_labels)
        .x_label_formatter(x_format)
        .y_labels(4)
        .y_label_formatter(&y_fmt)
        .label_style((FONT, 11))
        .draw()
        .map_err(err)
}

/// Their legend, naming every series.
fn legend<'a, 'b: 'a>(chart: &mut Plot<'a, 'b>, position: SeriesLabelPosition) -> Result<()> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(GRID)
        .label_font((FONT, 11))
        .draw()
        .map_err(err)
}

/// One named series of a bar or line chart.
pub struct Series<'a> {
    pub name: &'a str,
    pub values: Vec<f64>,
}

/// Bars per time bucket (stacked when there are several series), x labelled by `labels`.
pub fn bars(
    label: &str,
    labels: &[String],
    series: &[Series],
    colours: &[RGBColor],
    (w, h): (u32, u32),
    y_format: &dyn Fn(f64) -> String,
) -> Result<String> {
    let n = labels.len().max(1);
    let top = (0..n)
        .map(|i| {
            series
                .iter()
                .map(|s| s.values.get(i).copied().unwrap_or(0.0))
                .sum::<f64>()
        })
        .fold(0.0, f64::max)
        .max(1.0);
    // Room above the tallest bar for the legend.
    let headroom = if series.len() > 1 { 1.4 } else { 1.08 };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        let mut chart = frame(&root, 52, 0f64..n as f64, 0f64..top * headroom)?;
        let x_fmt = |x: &f64| {
            let i = x.floor() as usize;
            if (x - x.floor()).abs() < 1e-9 {
                labels.get(i).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        axes(&mut chart, false, n.min(6), &x_fmt, y_format)?;
        let mut base = vec![0.0; n];
        for (k, s) in series.iter().enumerate() {
            let colour = colours[k % colours.len()];
            let drawn = chart
                .draw_series((0..n).filter_map(|i| {
                    let v = s.values.get(i).copied().unwrap_or(0.0);
                    (v > 0.0).then(|| {
                        let b = base[i];
                        base[i] += v;
                        Rectangle::new(
                            [(i as f64 + 0.08, b), (i as f64 + 0.92, b + v)],
                            colour.filled(),
                        )
                    })
                }))
                .map_err(err)?;
            if series.len() > 1 {
                drawn.label(s.name).legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 10, y + 5)], colour.filled())
                });
            }
        }
        if series.len() > 1 {
            legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        }
        root.present().map_err(err)?;
    }
    Ok(accessible(svg, label))
}

/// Lines over days (or any x), one per series, with a legend.
pub fn lines(
    label: &str,
    labels: &[String],
    series: &[Series],
    (w, h): (u32, u32),
    y_format: &dyn Fn(f64) -> String,
) -> Result<String> {
    let n = labels.len().max(2);
    let top = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .fold(0.0, f64::max)
        .max(1.0);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        // Room above the highest point for the legend.
        let mut chart = frame(&root, 60, 0f64..(n - 1) as f64, 0f64..top * 1.35)?;
        let x_fmt = |x: &f64| {
            if (x - x.round()).abs() < 1e-9 {
                labels.get(x.round() as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        axes(&mut chart, true, labels.len().min(6), &x_fmt, y_format)?;
        for (k, s) in series.iter().enumerate() {
            let colour = PALETTE[k % PALETTE.len()];
            let points: Vec<(f64, f64)> = s
                .values
                .iter()
                .enumerate()
                .map(|(i, v)| (i as f64, *v))
                .collect();
            chart
                .draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))
                .map_err(err)?
                .label(s.name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 14, y)], colour.stroke_width(2))
                });
            // Markers as well as colour tell the series apart.
            let c = colour;
            match k % 3 {
                0 => chart.draw_series(points.iter().map(|p| Circle::new(*p, 3, c.filled()))),
                1 => chart.draw_series(
                    points
                        .iter()
                        .map(|p| TriangleMarker::new(*p, 4, c.filled())),
                ),
                _ => chart.draw_series(points.iter().map(|p| Cross::new(*p, 3, c.stroke_width(2)))),
            }
            .map_err(err)?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        root.present().map_err(err)?;
    }
    Ok(accessible(svg, label))
}

/// Stacked areas over x (e.g. bytes per storage class by day).
pub fn stacked_areas(
    label: &str,
    xs: &[f64],
    series: &[Series],
    (w, h): (u32, u32),
    x_format: &dyn Fn(f64) -> String,
    y_format: &dyn Fn(f64) -> String,
) -> Result<String> {
    let x_max = xs.last().copied().unwrap_or(1.0).max(1.0);
    let totals: Vec<f64> = (0..xs.len())
        .map(|i| {
            series
                .iter()
                .map(|s| s.values.get(i).copied().unwrap_or(0.0))
                .sum()
        })
        .collect();
    let top = totals.iter().copied().fold(0.0, f64::max).max(1.0);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        let mut chart = frame(&root, 60, 0f64..x_max, 0f64..top * 1.1)?;
        axes(&mut chart, true, 8, &|x| x_format(*x), y_format)?;
        // Draw the cumulative sums from the top down so each layer shows its own band.
        let mut cumulative: Vec<Vec<f64>> = Vec::new();
        let mut acc = vec![0.0; xs.len()];
        for s in series {
            for (i, a) in acc.iter_mut().enumerate() {
                *a += s.values.get(i).copied().unwrap_or(0.0);
            }
            cumulative.push(acc.clone());
        }
        for (k, s) in series.iter().enumerate().rev() {
            let colour = PALETTE[k % PALETTE.len()];
            let pts: Vec<(f64, f64)> = xs
                .iter()
                .copied()
                .zip(cumulative[k].iter().copied())
                .collect();
            chart
                .draw_series(
                    AreaSeries::new(pts, 0.0, colour.mix(0.75))
                        .border_style(colour.stroke_width(1)),
                )
                .map_err(err)?
                .label(s.name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 10, y + 5)], colour.mix(0.75).filled())
                });
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        root.present().map_err(err)?;
    }
    Ok(accessible(svg, label))
}

/// Horizontal bars, one per row, each with its value written at its end.
pub fn hbars(label: &str, rows: &[(String, f64, String)], w: u32) -> Result<String> {
    let n = rows.len().max(1);
    let h = 30 + 22 * n as u32;
    let top = rows.iter().map(|r| r.1).fold(0.0, f64::max);
    let top = if top > 0.0 { top } else { 1.0 };
    let names: Vec<String> = rows.iter().map(|r| short(&r.0, 40)).collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(6)
            .margin_right(40)
            .x_label_area_size(20)
            .y_label_area_size(250)
            // Room after the longest bar for its value.
            .build_cartesian_2d(0f64..top * 1.9, (0..n as i32).into_segmented())
            .map_err(err)?;
        // The first row at the top: segment `n - 1 - i` holds row `i`.
        let top_down = |y: i32| usize::try_from(n as i64 - 1 - y as i64).ok();
        let y_fmt = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(y) => top_down(*y)
                .and_then(|i| names.get(i).cloned())
                .unwrap_or_default(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .y_labels(n)
            .y_label_formatter(&y_fmt)
            .x_labels(0)
            .label_style((FONT, 11))
            .draw()
            .map_err(err)?;
        let colour = PALETTE[0];
        chart
            .draw_series(rows.iter().enumerate().map(|(i, r)| {
                let y = (n - 1 - i) as i32;
                Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(y)),
                        (r.1.max(0.0), SegmentValue::Exact(y + 1)),
                    ],
                    colour.filled(),
                )
            }))
            .map_err(err)?;
        let style = TextStyle::from((FONT, 11).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        chart
            .draw_series(rows.iter().enumerate().map(|(i, r)| {
                Text::new(
                    format!(" {}", r.2),
                    (r.1.max(0.0), SegmentValue::CenterOf((n - 1 - i) as i32)),
                    style.clone(),
                )
            }))
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(accessible(svg, label))
}

/// A grid of rows (account/region) by days, shaded by events; days in `gaps` carry an ×.
pub fn grid(
    label: &str,
    rows: &[String],
    days: &[String],
    counts: &[Vec<u64>],
    gaps: &[Vec<bool>],
    w: u32,
) -> Result<String> {
    let (nr, nd) = (rows.len().max(1), days.len().max(1));
    let h = 40 + 16 * nr as u32;
    let top = counts.iter().flatten().copied().max().unwrap_or(1).max(1) as f64;
    let names: Vec<String> = rows.iter().map(|r| short(r, 36)).collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(6)
            .margin_right(40)
            .x_label_area_size(22)
            .y_label_area_size(230)
            .build_cartesian_2d(
                (0..nd as i32).into_segmented(),
                (0..nr as i32).into_segmented(),
            )
            .map_err(err)?;
        let y_fmt = |v: &SegmentValue<i32>| match v {
            // Rows are drawn top down; plotters may ask for labels outside the range.
            SegmentValue::CenterOf(i) => usize::try_from(nr as i64 - 1 - *i as i64)
                .ok()
                .and_then(|r| names.get(r).cloned())
                .unwrap_or_default(),
            _ => String::new(),
        };
        let x_fmt = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(i) => days.get(*i as usize).cloned().unwrap_or_default(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .y_labels(nr)
            .y_label_formatter(&y_fmt)
            .x_labels(nd.min(6))
            .x_label_formatter(&x_fmt)
            .label_style((FONT, 11))
            .draw()
            .map_err(err)?;
        let cell = |r: usize, d: usize| {
            let y = (nr - 1 - r) as i32;
            [
                (SegmentValue::Exact(d as i32), SegmentValue::Exact(y)),
                (
                    SegmentValue::Exact(d as i32 + 1),
                    SegmentValue::Exact(y + 1),
                ),
            ]
        };
        let mut cells = Vec::new();
        for (r, row) in counts.iter().enumerate() {
            for (d, c) in row.iter().enumerate() {
                let style = if *c == 0 {
                    RGBColor(245, 245, 245).filled()
                } else {
                    // Log scale: a quiet day is still clearly not empty.
                    let t = ((*c as f64).ln_1p() / top.ln_1p()).clamp(0.0, 1.0);
                    let light = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * t) as u8;
                    RGBColor(light(198, 0), light(219, 90), light(239, 160)).filled()
                };
                cells.push(Rectangle::new(cell(r, d), style));
            }
        }
        chart.draw_series(cells).map_err(err)?;
        let mark = TextStyle::from((FONT, 12).into_font().style(FontStyle::Bold))
            .color(&ALERT)
            .pos(Pos::new(HPos::Center, VPos::Center));
        let mut marks = Vec::new();
        for (r, row) in gaps.iter().enumerate() {
            for (d, gap) in row.iter().enumerate() {
                if *gap {
                    let y = (nr - 1 - r) as i32;
                    marks.push(Text::new(
                        "×",
                        (SegmentValue::CenterOf(d as i32), SegmentValue::CenterOf(y)),
                        mark.clone(),
                    ));
                }
            }
        }
        chart.draw_series(marks).map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(accessible(svg, label))
}
