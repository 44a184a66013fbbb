/// The one way plans, tables, reports and launcher headers name parallel degrees, so that the same
/// configuration reads the same everywhere.
extension ParallelConfiguration {
    /// How degrees are written.
    public enum LabelStyle: Sendable, Hashable {
        /// "tp=4 pp=4 dp=4 cp=2 ep=8 vpp=8": plans, tables, comparisons, launcher headers.
        case keyed
        /// "tp4 pp4 dp4 cp2 ep8 v8": the configuration column of validation reports.
        case compact
    }

    /// Tensor, pipeline and data degrees always; context, expert and virtual stages only above 1.
    /// Takes plain numbers because plan files and launch plans hold degrees without a configuration;
    /// `virtualStages: 1` leaves the schedule out (as `TrainingPlan.Degrees` does).
    public static func label(
        tensor: Int, pipeline: Int, data: Int, context: Int = 1, expert: Int = 1,
        virtualStages: Int = 1, style: LabelStyle = .keyed
    ) -> String {
        let keyed = style == .keyed
        func part(_ key: String, _ value: Int) -> String { keyed ? "\(key)=\(value)" : "\(key)\(value)" }
        var parts = [part("tp", tensor), part("pp", pipeline), part("dp", data)]
        if context > 1 { parts.append(part("cp", context)) }
        if expert > 1 { parts.append(part("ep", expert)) }
        if virtualStages > 1 { parts.append(part(keyed ? "vpp" : "v", virtualStages)) }
        return parts.joined(separator: " ")
    }

    /// This configuration's degrees, virtual stages included.
    public func degreeLabel(_ style: LabelStyle = .keyed) -> String {
        Self.label(
            tensor: tensor, pipeline: pipeline, data: data, context: context, expert: expert,
            virtualStages: virtualStages, style: style)
    }
}
