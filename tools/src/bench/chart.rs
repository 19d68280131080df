//! The SVG chart: one panel per operation with the empirical distribution (CDF) of its
//! latency on the host and in the guest, on a logarithmic time axis (the two sides can be
//! orders of magnitude apart on these hosts), plus a panel for cold starts (vmm, QEMU).
//!
//! A CDF shows the whole distribution — median where a curve crosses 0.5, tail where it
//! approaches 1 — and overlays cleanly, which histograms of very different scales do not.

use std::path::Path;

use plotters::prelude::*;

use super::error::BenchError;
use super::ops::OPS;
use super::report::{Part, Report};

/// One curve: a name, a colour and its samples (nanoseconds).
struct Series<'a> {
    name: String,
    color: RGBColor,
    samples: &'a [u64],
}

/// One panel.
struct Panel<'a> {
    title: String,
    series: Vec<Series<'a>>,
}

const HOST: RGBColor = RGBColor(31, 119, 180);
const GUEST: RGBColor = RGBColor(214, 39, 40);
const VMM: RGBColor = RGBColor(44, 160, 44);
const VMM_SAME: RGBColor = RGBColor(255, 127, 14);
const QEMU: RGBColor = RGBColor(148, 103, 189);

/// At most this many points per curve (the SVG stays small).
const MAX_POINTS: usize = 400;

/// Step points of the empirical CDF of `samples`, in microseconds.
fn ecdf(samples: &[u64]) -> Vec<(f64, f64)> {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    if n == 0 {
        return vec![];
    }
    let step = n.div_ceil(MAX_POINTS).max(1);
    let mut points = Vec::new();
    let last = (!(n - 1).is_multiple_of(step)).then_some(n - 1);
    for i in (0..n).step_by(step).chain(last) {
        let x = sorted[i].max(1) as f64 / 1e3;
        points.push((x, i as f64 / n as f64));
        points.push((x, (i + 1) as f64 / n as f64));
    }
    points
}

fn panels(r: &Report) -> Vec<Panel<'_>> {
    let mut panels = Vec::new();
    for op in OPS.iter().filter(|op| r.settings.ops.iter().any(|n| n == op.name)) {
        let mut series = Vec::new();
        for (side, part, color) in [("host", &r.host, HOST), ("guest", &r.guest, GUEST)] {
            if let Some(f) = part.ok().and_then(|run| run.output.figure(op.name)) {
                series.push(Series { name: side.into(), color, samples: &f.samples_ns });
            }
        }
        let missing: Vec<&str> = [("host", &r.host), ("guest", &r.guest)]
            .into_iter()
            .filter(|(_, p)| p.ok().and_then(|run| run.output.figure(op.name)).is_none())
            .map(|(side, _)| side)
            .collect();
        let title = if missing.is_empty() {
            op.label.to_owned()
        } else {
            format!("{} ({}: n/a)", op.label, missing.join(", "))
        };
        panels.push(Panel { title, series });
    }
    let mut boots = Vec::new();
    if let Part::Ok(c) = &r.coldstart {
        let name =
            if c.stand_in.is_some() { "vmm (stand-in exit=0)" } else { "vmm run -- /bin/true" };
        boots.push(Series { name: name.into(), color: VMM, samples: &c.wall_samples_ns });
    }
    if let Part::Ok(q) = &r.qemu {
        boots.push(Series {
            name: "vmm, QEMU's kernel+disk".into(),
            color: VMM_SAME,
            samples: &q.vmm_samples_ns,
        });
        boots.push(Series {
            name: format!("QEMU -M {}", q.machine),
            color: QEMU,
            samples: &q.qemu_samples_ns,
        });
    }
    if !boots.is_empty() {
        panels.push(Panel { title: "VM cold start, wall time".into(), series: boots });
    }
    panels
}

/// Draws the chart for `r` into `path`.
pub fn draw(r: &Report, path: &Path) -> Result<(), BenchError> {
    let panels = panels(r);
    let cols = 3usize;
    let rows = panels.len().div_ceil(cols).max(1);
    let size = (1500u32, 60 + 360 * rows as u32);
    let root = SVGBackend::new(path, size).into_drawing_area();
    let err = |e: &dyn std::fmt::Display| BenchError::Chart(e.to_string());
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let title = format!(
        "Latency distributions, guest vs host — {} — {}{}",
        r.date,
        r.machine.kvm.module.as_deref().unwrap_or("kvm"),
        if r.settings.smoke { " — SMOKE RUN" } else { "" }
    );
    let root = root.titled(&title, ("sans-serif", 24)).map_err(|e| err(&e))?;
    let areas = root.split_evenly((rows, cols));
    for (area, panel) in areas.iter().zip(&panels) {
        draw_panel(area, panel).map_err(|e| err(&e))?;
    }
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

/// An axis value in microseconds, without float noise (0.01, 1, 1000).
fn axis_label(us: f64) -> String {
    if us >= 1.0 { format!("{us:.0}") } else { format!("{us}") }
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

fn draw_panel(
    area: &Area<'_>,
    panel: &Panel<'_>,
) -> Result<(), DrawingAreaErrorKind<<SVGBackend<'static> as DrawingBackend>::ErrorType>> {
    let all = panel.series.iter().flat_map(|s| s.samples.iter().copied());
    let (lo, hi) = all.fold((u64::MAX, 0), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (lo, hi) = if hi == 0 { (1.0, 10.0) } else { (lo.max(1) as f64 / 1e3, hi as f64 / 1e3) };
    // Whole decades, so the log axis always has labelled powers of ten.
    let lo = 10f64.powf(lo.log10().floor());
    let hi = 10f64.powf(hi.log10().ceil()).max(lo * 10.0);
    let mut chart = ChartBuilder::on(area)
        .caption(&panel.title, ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(44)
        .build_cartesian_2d((lo..hi).log_scale(), 0.0..1.0)?;
    chart
        .configure_mesh()
        .x_desc("µs (log scale)")
        .y_desc("fraction ≤ x")
        .x_labels(8)
        .x_label_formatter(&|us| axis_label(*us))
        .y_labels(5)
        .draw()?;
    for s in &panel.series {
        let color = s.color;
        chart
            .draw_series(LineSeries::new(ecdf(s.samples), color.stroke_width(2)))?
            .label(s.name.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
            });
    }
    if !panel.series.is_empty() {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecdf_is_a_staircase_to_one() {
        let points = ecdf(&[3000, 1000, 2000]);
        assert_eq!(points.first(), Some(&(1.0, 0.0)));
        assert_eq!(points.last().map(|p| p.1), Some(1.0));
        assert!(points.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].1 <= w[1].1));
        assert!(ecdf(&(0..10_000).collect::<Vec<_>>()).len() <= 2 * MAX_POINTS + 2);
    }
}
