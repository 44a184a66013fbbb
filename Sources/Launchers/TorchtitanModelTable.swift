import CostModel
import Foundation

/// torchtitan's `[model]` table for the plan's model: `name` and `flavor` of the registered model
/// that is exactly it (`TorchtitanFlavor`), and `hf_assets_path` (0.2.x replaced `tokenizer_path` by
/// it: the directory torchtitan's scripts/download_hf_assets.py fills with the tokenizer).
/// A model torchtitan 0.2.2 does not register gets a flavor named after it and a note saying what to
/// register, so that the job stops at start-up rather than training torchtitan's default model.
enum TorchtitanModelTable {
    static func table(_ plan: LaunchPlan) -> TorchtitanExport.Table {
        var table = TorchtitanExport.Table(name: "model")
        guard let model = plan.model else {
            table.notes = [
                "set: name, flavor and hf_assets_path for \(Quoting.comment(plan.modelName)): this plan does not "
                    + "carry the model (re-create it with `plan train`)"
            ]
            return table
        }
        let assets =
            "./assets/hf/"
            + (model.architecture.sourceId?.split(separator: "/").last.map(String.init)
                ?? model.name)
        if let flavor = TorchtitanFlavor.matching(model) {
            table.set(
                "name", .string(flavor.name),
                "torchtitan 0.2.2 registers \(flavor.name) flavor \(flavor.flavor) with exactly this model's shape")
            table.set("flavor", .string(flavor.flavor))
        } else {
            let family = TorchtitanFlavor.family(of: model)
            table.notes = [
                "torchtitan 0.2.2 registers no flavor of \(Quoting.comment(model.name)) (\(shape(model))).",
                family.map {
                    "Register a flavor named \(Quoting.comment(model.name)) in torchtitan/models/\($0)/__init__.py "
                        + "with these values before launching."
                }
                    ?? "It has no model of this architecture (\(Quoting.comment(architecture(model)))): add one "
                    + "with a TrainSpec under this name before launching.",
            ]
            table.set("name", .string(family ?? model.architecture.modelType ?? model.name))
            table.set("flavor", .string(model.name))
        }
        let source = model.architecture.sourceId.map { Quoting.comment($0) } ?? "<the model's repository>"
        table.set(
            "hf_assets_path", .string(assets),
            "tokenizer (yours to fetch): python scripts/download_hf_assets.py --repo_id \(source) --assets tokenizer")
        return table
    }

    /// "32 layers, hidden 4096, 32/8 heads, FFN 14336, vocabulary 32000, rope_theta 1000000, 8 experts top-2".
    static func shape(_ model: ModelDescription) -> String {
        var text =
            "\(model.layers) layers, hidden \(model.hiddenSize), \(model.attentionHeads)/\(model.keyValueHeads) heads, "
            + "FFN \(model.ffnHiddenSize), vocabulary \(model.vocabularySize)"
        if let theta = model.architecture.ropeTheta { text += ", rope_theta \(MegatronModelFlags.number(theta))" }
        if let moe = model.moe {
            text += ", \(moe.experts) experts of \(moe.expertFFNHiddenSize) top-\(moe.expertsPerToken)"
        }
        return text
    }

    static func architecture(_ model: ModelDescription) -> String {
        [
            model.architecture.modelType ?? model.name, model.architecture.normalization.rawValue,
            model.architecture.positionEmbedding.rawValue, model.moe == nil ? "dense" : "mixture of experts",
            model.attentionBias ? "QKV bias" : "no bias",
        ].joined(separator: ", ")
    }
}
