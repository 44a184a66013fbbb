/// How layers are split over pipeline chunks: for each chunk (p·v of them, in model order; chunk c
/// runs on pipeline rank c mod p), how many layers of each kind it holds and how many of those it
/// recomputes in full.
public struct StageLayout: Sendable, Hashable, Codable {
    /// `layers[c][g]`: layers of group g (model order, dense before MoE) in chunk c.
    public var layers: [[Int]]
    /// `recomputed[c][g]`: of those, how many are recomputed in full.
    public var recomputed: [[Int]]

    public init(layers: [[Int]], recomputed: [[Int]]) {
        self.layers = layers
        self.recomputed = recomputed
    }

    public var chunks: Int { layers.count }
    public func layerCount(chunk: Int) -> Int { layers[chunk].reduce(0, +) }
    public func recomputedCount(chunk: Int) -> Int { recomputed[chunk].reduce(0, +) }
    /// Index of the first layer of each chunk.
    public var firstLayers: [Int] {
        var first: [Int] = [], next = 0
        for c in 0..<chunks { first.append(next); next += layerCount(chunk: c) }
        return first
    }

    /// Layers split as evenly as group order allows, nothing recomputed, or everything when `recomputeAll`.
    public static func uniform(groups: [Int], chunks: Int, recomputeAll: Bool = false) -> StageLayout {
        let total = groups.reduce(0, +)
        var layers = Array(repeating: Array(repeating: 0, count: groups.count), count: chunks)
        var position = 0
        for c in 0..<chunks {
            let count = total / chunks + (c < total % chunks ? 1 : 0)
            for _ in 0..<count {
                var group = 0, boundary = groups[0]
                while position >= boundary { group += 1; boundary += groups[group] }
                layers[c][group] += 1
                position += 1
            }
        }
        return StageLayout(layers: layers, recomputed: recomputeAll ? layers : layers.map { $0.map { _ in 0 } })
    }

    /// Layers in model order over chunks in proportion to `weights` (one per chunk, positive):
    /// largest remainders, at least one layer per chunk where there are enough. A pipeline over
    /// devices of different speeds weighs each chunk by its rank's speed (`1 / seconds per layer`).
    public static func weighted(groups: [Int], weights: [Double]) -> StageLayout {
        let total = groups.reduce(0, +), chunks = weights.count
        let floor = total >= chunks ? 1 : 0
        let spare = total - floor * chunks
        let sum = weights.reduce(0, +)
        let shares = weights.map { Double(spare) * $0 / sum }
        var counts = shares.map { floor + Int($0) }
        let order = shares.indices.sorted {
            (shares[$0] - shares[$0].rounded(.down), $1) > (shares[$1] - shares[$1].rounded(.down), $0)
        }
        for c in order.prefix(total - counts.reduce(0, +)) { counts[c] += 1 }
        var layers = Array(repeating: Array(repeating: 0, count: groups.count), count: chunks)
        var position = 0
        for c in 0..<chunks {
            for _ in 0..<counts[c] {
                var group = 0, boundary = groups[0]
                while position >= boundary { group += 1; boundary += groups[group] }
                layers[c][group] += 1
                position += 1
            }
        }
        return StageLayout(layers: layers, recomputed: layers.map { $0.map { _ in 0 } })
    }
}
