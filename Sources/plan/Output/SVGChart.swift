import Foundation
import PlanFiles

/// A small SVG line or scatter chart with labelled axes, for scaling curves and cost-versus-time
/// comparisons. Plain SVG 1.1: any browser or image viewer opens it.
///
/// Ticks fall on 1-2-5 steps (`Ticks`); the y axis is logarithmic when the values span more than a
/// decade (a sweep from 8 to 1,024 GPUs would squeeze its small end into the bottom tenth of a
/// linear one), and says so in its label. Point labels are placed where their box overlaps no other
/// label, point or the plot's edge (tried right-above, left-above, right-below, left-below) and left
/// out where none is free. Jobs with no plan are drawn as crosses on the x axis, labelled.
struct SVGChart {
    struct Series { var name: String; var points: [(x: Double, y: Double, label: String?)]; var line: Bool }

    var title: String
    var subtitle: String = ""
    var xLabel: String
    var yLabel: String
    var logX: Bool
    var series: [Series]
    /// Jobs that have no plan: their x and why.
    var missing: [(x: Double, label: String)] = []

    static let width = 760.0, height = 500.0
    static let left = 90.0, right = 30.0, top = 70.0, bottom = 70.0
    private static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]

    /// A text box drawn, for the overlap checks (and tests).
    struct Box {
        var x: Double, y: Double, width: Double, height: Double
        func overlaps(_ other: Box) -> Bool {
            x < other.x + other.width && other.x < x + width && y < other.y + other.height && other.y < y + height
        }
    }

    func render() -> String {
        let all = series.flatMap(\.points)
        guard !all.isEmpty || !missing.isEmpty else { return "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n" }
        let width = Self.width, height = Self.height, left = Self.left, right = Self.right, top = Self.top
        let plotW = width - left - right, plotH = height - top - Self.bottom
        // x: log2 for GPU counts, linear from 0 otherwise.
        let rawX = all.map(\.x) + missing.map(\.x)
        let xs = rawX.map { logX ? log2($0) : $0 }
        var (xMin, xMax) = (xs.min()!, xs.max()!)
        if xMin == xMax { xMin -= 1; xMax += 1 }
        var xTicks: [Double]
        if logX {
            xMin -= 0.3; xMax += 0.3
            xTicks = Array(Set(rawX)).sorted()
        } else {
            xMax = Ticks.niceEnd(xMax * 1.05, count: 5)
            xTicks = Ticks.linear(from: 0, to: xMax, count: 5)
            xMin = 0
        }
        // y: log10 when the values span more than a decade, else linear from 0 to a 1-2-5 tick.
        let ys = all.map(\.y).filter { $0 > 0 }
        let logY = (ys.min().map { (ys.max() ?? 0) / $0 > 10 }) ?? false
        var yTicks: [Double], yMin: Double, yMax: Double
        if logY {
            yMin = ys.min()! / 1.5; yMax = ys.max()! * 1.5
            yTicks = Ticks.log(from: yMin, to: yMax)
        } else {
            yMax = Ticks.niceEnd((ys.max() ?? 1) * 1.05, count: 5)
            yTicks = Ticks.linear(from: 0, to: yMax, count: 5)
            yMin = 0
        }
        func px(_ x: Double) -> Double { left + ((logX ? log2(x) : x) - xMin) / (xMax - xMin) * plotW }
        func py(_ y: Double) -> Double {
            let v =
                logY ? (log10(max(y, yMin)) - log10(yMin)) / (log10(yMax) - log10(yMin)) : (y - yMin) / (yMax - yMin)
            return top + plotH - v * plotH
        }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
            viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(width / 2)" y="26" text-anchor="middle" font-size="16" \
            font-weight="bold">\(SVG.escape(title))</text>

            """
        // A long subtitle breaks at its "; " into lines that fit.
        var lines: [String] = [], line = ""
        for part in subtitle.components(separatedBy: "; ") {
            let candidate = line.isEmpty ? part : line + "; " + part
            if SVG.width(candidate, size: 11) > width - 40 && !line.isEmpty {
                lines.append(line)
                line = part
            } else {
                line = candidate
            }
        }
        if !line.isEmpty { lines.append(line) }
        for (i, text) in lines.prefix(2).enumerated() {
            svg +=
                "<text x=\"\(width / 2)\" y=\"\(44 + Double(i) * 14)\" text-anchor=\"middle\" font-size=\"11\" "
                + "fill=\"#555\">\(SVG.escape(text))</text>\n"
        }
        for y in yTicks {
            svg +=
                "<line x1=\"\(left)\" y1=\(SVG.q(py(y))) x2=\"\(width - right)\" y2=\(SVG.q(py(y))) stroke=\"#ddd\"/>\n"
            svg +=
                "<text x=\"\(left - 8)\" y=\(SVG.q(py(y) + 4)) "
                + "text-anchor=\"end\">\(SVG.escape(Ticks.label(y)))</text>\n"
        }
        var lastRight = -Double.infinity
        for x in xTicks {
            let label = Ticks.label(x), half = SVG.width(label, size: 12) / 2
            svg +=
                "<line x1=\(SVG.q(px(x))) y1=\"\(top + plotH)\" x2=\(SVG.q(px(x))) "
                + "y2=\"\(top + plotH + 5)\" stroke=\"black\"/>\n"
            guard px(x) - half > lastRight + 4 else { continue }
            lastRight = px(x) + half
            svg +=
                "<text x=\(SVG.q(px(x))) y=\"\(top + plotH + 20)\" text-anchor=\"middle\">\(SVG.escape(label))</text>\n"
        }
        svg +=
            "<line x1=\"\(left)\" y1=\"\(top + plotH)\" x2=\"\(width - right)\" y2=\"\(top + plotH)\" "
            + "stroke=\"black\"/>\n"
        svg += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(top + plotH)\" stroke=\"black\"/>\n"
        svg +=
            "<text x=\"\(left + plotW / 2)\" y=\"\(height - 20)\" text-anchor=\"middle\">\(SVG.escape(xLabel))</text>\n"
        let yTitle = yLabel + (logY ? " (log scale: the values span more than a decade)" : "")
        svg +=
            "<text transform=\"translate(22,\(top + plotH / 2)) rotate(-90)\" "
            + "text-anchor=\"middle\">\(SVG.escape(yTitle))</text>\n"
        // Legend first: its boxes are taken before any point label.
        var taken: [Box] = []
        for (i, s) in series.enumerated() {
            let color = Self.colors[i % Self.colors.count], y = top + 8 + Double(i) * 18
            svg += "<rect x=\"\(left + 10)\" y=\"\(y)\" width=\"12\" height=\"12\" fill=\"\(color)\"/>\n"
            svg += "<text x=\"\(left + 28)\" y=\"\(y + 10)\">\(SVG.escape(s.name))</text>\n"
            taken.append(Box(x: left + 10, y: y, width: 18 + SVG.width(s.name, size: 12), height: 14))
        }
        // Points, then their labels where they fit.
        for (i, s) in series.enumerated() {
            let color = Self.colors[i % Self.colors.count]
            if s.line && s.points.count > 1 {
                let path = s.points.map { "\(String(format: "%.1f", px($0.x))),\(String(format: "%.1f", py($0.y)))" }
                svg +=
                    "<polyline points=\"\(path.joined(separator: " "))\" fill=\"none\" stroke=\"\(color)\" "
                    + "stroke-width=\"2\"/>\n"
            }
            for point in s.points {
                svg += "<circle cx=\(SVG.q(px(point.x))) cy=\(SVG.q(py(point.y))) r=\"4\" fill=\"\(color)\"/>\n"
                taken.append(Box(x: px(point.x) - 4, y: py(point.y) - 4, width: 8, height: 8))
            }
            // Lines are taken too, sampled every 4 px, so no label sits on one.
            if s.line {
                for (a, b) in zip(s.points, s.points.dropFirst()) {
                    let (x0, y0, x1, y1) = (px(a.x), py(a.y), px(b.x), py(b.y))
                    let steps = max(Int(hypot(x1 - x0, y1 - y0) / 4), 1)
                    for k in 0...steps {
                        let t = Double(k) / Double(steps)
                        taken.append(Box(x: x0 + (x1 - x0) * t - 1.5, y: y0 + (y1 - y0) * t - 1.5, width: 3, height: 3))
                    }
                }
            }
        }
        let plot = Box(x: left, y: top, width: plotW, height: plotH)
        for s in series {
            for point in s.points {
                guard let label = point.label else { continue }
                let w = SVG.width(label, size: 10), h = 11.0, cx = px(point.x), cy = py(point.y)
                let candidates = [
                    Box(x: cx + 6, y: cy - 6 - h, width: w, height: h),
                    Box(x: cx - 6 - w, y: cy - 6 - h, width: w, height: h),
                    Box(x: cx + 6, y: cy + 6, width: w, height: h), Box(x: cx - 6 - w, y: cy + 6, width: w, height: h),
                ]
                guard
                    let box = candidates.first(where: { box in
                        box.x >= plot.x && box.x + box.width <= plot.x + plot.width && box.y >= plot.y
                            && box.y + box.height <= plot.y + plot.height && !taken.contains { $0.overlaps(box) }
                    })
                else { continue }
                taken.append(box)
                svg +=
                    "<text x=\(SVG.q(box.x)) y=\(SVG.q(box.y + h - 2)) font-size=\"10\">\(SVG.escape(label))</text>\n"
            }
        }
        for item in missing {
            let x = px(item.x), y = top + plotH
            svg +=
                "<path d=\"M\(x - 5) \(y - 5) L\(x + 5) \(y + 5) M\(x - 5) \(y + 5) L\(x + 5) \(y - 5)\" "
                + "stroke=\"#d62728\" stroke-width=\"2\"/>\n"
            let w = SVG.width(item.label, size: 10)
            let box = Box(x: min(max(x - w / 2, plot.x), plot.x + plot.width - w), y: y - 22, width: w, height: 11)
            if !taken.contains(where: { $0.overlaps(box) }) {
                taken.append(box)
                svg +=
                    "<text x=\(SVG.q(box.x)) y=\(SVG.q(box.y + 9)) font-size=\"10\" "
                    + "fill=\"#d62728\">\(SVG.escape(item.label))</text>\n"
            }
        }
        return svg + "</svg>\n"
    }
}
