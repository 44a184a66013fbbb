import Foundation
import PlanFiles

/// A small SVG line or scatter chart with labelled axes (linear or log₂ x), for scaling curves and
/// cost-versus-time comparisons. Plain SVG 1.1: any browser or image viewer opens it.
struct SVGChart {
    struct Series { var name: String; var points: [(x: Double, y: Double, label: String?)]; var line: Bool }

    var title: String
    var xLabel: String
    var yLabel: String
    var logX: Bool
    var series: [Series]

    private let width = 760.0, height = 480.0
    private let left = 90.0, right = 30.0, top = 50.0, bottom = 70.0
    private static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]

    func render() -> String {
        let all = series.flatMap(\.points)
        guard !all.isEmpty else { return "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n" }
        let xs = all.map { logX ? log2($0.x) : $0.x }, ys = all.map(\.y)
        var (xMin, xMax) = (xs.min()!, xs.max()!)
        if xMin == xMax { xMin -= 1; xMax += 1 }
        if logX {
            xMin -= 0.3; xMax += 0.3  // a third of an octave of margin on each side
        } else {
            xMin = min(0, xMin); xMax += (xMax - xMin) * 0.1
        }
        let yMax = (ys.max()! * 1.1).nonZero, yMin = 0.0
        let plotW = width - left - right, plotH = height - top - bottom
        func px(_ x: Double) -> Double { left + ((logX ? log2(x) : x) - xMin) / (xMax - xMin) * plotW }
        func py(_ y: Double) -> Double { top + plotH - (y - yMin) / (yMax - yMin) * plotH }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 "
                + "\(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(width / 2)" y="28" text-anchor="middle" font-size="16" font-weight="bold">\(escape(title))</text>

            """
        // Grid and ticks.
        for i in 0...5 {
            let y = yMin + (yMax - yMin) * Double(i) / 5
            svg += "<line x1=\"\(left)\" y1=\(q(py(y))) x2=\"\(width - right)\" y2=\(q(py(y))) stroke=\"#ddd\"/>\n"
            svg += "<text x=\"\(left - 8)\" y=\(q(py(y) + 4)) text-anchor=\"end\">\(escape(Self.short(y)))</text>\n"
        }
        let ticks: [Double] =
            logX
            ? Array(Set(all.map(\.x))).sorted()
            : (0...5).map { xMin + (xMax - xMin) * Double($0) / 5 }
        for x in ticks {
            svg +=
                "<line x1=\(q(px(x))) y1=\"\(top + plotH)\" x2=\(q(px(x))) y2=\"\(top + plotH + 5)\" "
                + "stroke=\"black\"/>\n"
            svg +=
                "<text x=\(q(px(x))) y=\"\(top + plotH + 20)\" text-anchor=\"middle\">\(escape(Self.short(x)))</text>\n"
        }
        svg +=
            "<line x1=\"\(left)\" y1=\"\(top + plotH)\" x2=\"\(width - right)\" y2=\"\(top + plotH)\" "
            + "stroke=\"black\"/>\n"
        svg += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(top + plotH)\" stroke=\"black\"/>\n"
        svg += "<text x=\"\(left + plotW / 2)\" y=\"\(height - 20)\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        svg +=
            "<text transform=\"translate(22,\(top + plotH / 2)) rotate(-90)\" "
            + "text-anchor=\"middle\">\(escape(yLabel))</text>\n"
        for (i, s) in series.enumerated() {
            let color = Self.colors[i % Self.colors.count]
            if s.line && s.points.count > 1 {
                let path = s.points.map { "\(Self.f(px($0.x))),\(Self.f(py($0.y)))" }.joined(separator: " ")
                svg += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            }
            for point in s.points {
                svg += "<circle cx=\(q(px(point.x))) cy=\(q(py(point.y))) r=\"4\" fill=\"\(color)\"/>\n"
                if let label = point.label {
                    // Labels right of the middle hang to the left of their point so they stay on the canvas.
                    let leftward = px(point.x) > width * 0.6
                    svg +=
                        "<text x=\(q(px(point.x) + (leftward ? -6 : 6))) y=\(q(py(point.y) - 6)) font-size=\"10\" "
                        + "text-anchor=\"\(leftward ? "end" : "start")\">\(escape(label))</text>\n"
                }
            }
            svg +=
                "<rect x=\"\(left + 10)\" y=\"\(top + 8 + Double(i) * 18)\" width=\"12\" height=\"12\" "
                + "fill=\"\(color)\"/>\n"
            svg += "<text x=\"\(left + 28)\" y=\"\(top + 18 + Double(i) * 18)\">\(escape(s.name))</text>\n"
        }
        return svg + "</svg>\n"
    }

    private func q(_ value: Double) -> String { "\"\(Self.f(value))\"" }
    static func f(_ value: Double) -> String { String(format: "%.1f", value) }
    static func short(_ value: Double) -> String {
        let magnitude = abs(value)
        if value == value.rounded() && magnitude < 1e4 { return String(Int(value)) }
        if magnitude >= 1e6 { return PlanTable.fmt(value / 1e6) + "M" }
        if magnitude >= 1e4 { return PlanTable.fmt(value / 1e3) + "k" }
        return PlanTable.fmt(value)
    }
    /// Text for an SVG element: control characters escaped as tables show them (XML 1.0 admits none but
    /// tab and line breaks), then `&`, `<` and `>` as entities.
    private func escape(_ text: String) -> String {
        DisplayText.escaped(text).replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(
            of: "<", with: "&lt;"
        )
        .replacingOccurrences(of: ">", with: "&gt;")
    }
}

private extension Double {
    var nonZero: Double { self == 0 ? 1 : self }
}
