/// The few statistics the validation reports need, written out so each can be checked by hand.
package enum Statistics {
    /// The middle value of `values`: the middle one of an odd count, the mean of the two middle ones of an
    /// even count; nil for no values. Medians, not means, summarize errors because a few pathological runs
    /// (a 64-node 1B job at 5% MFU) should not move the headline number.
    package static func median(_ values: [Double]) -> Double? {
        let sorted = values.sorted()
        let n = sorted.count
        guard n > 0 else { return nil }
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }

    /// The arithmetic mean; nil for no values.
    package static func mean(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    /// Ranks from 1 (smallest) to n; values that tie share the mean of the ranks they span, so
    /// [10, 20, 20, 30] ranks as [1, 2.5, 2.5, 4]. Average ranks keep the rank sum n(n+1)/2 and make
    /// Spearman's coefficient symmetric in how ties are ordered.
    package static func averageRanks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && values[order[end + 1]] == values[order[start]] { end += 1 }
            // Positions start...end (0-based) hold ranks start+1 ... end+1; each gets their mean.
            let shared = Double(start + end + 2) / 2
            for position in start...end { ranks[order[position]] = shared }
            start = end + 1
        }
        return ranks
    }

    /// Pearson's correlation Σ(x−x̄)(y−ȳ) / √(Σ(x−x̄)² Σ(y−ȳ)²); nil when the lengths differ, there
    /// are fewer than two pairs, or either side is constant (the coefficient is then undefined).
    package static func pearson(_ x: [Double], _ y: [Double]) -> Double? {
        guard x.count == y.count, x.count >= 2, let mx = mean(x), let my = mean(y) else { return nil }
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) {
            sxy += (a - mx) * (b - my)
            sxx += (a - mx) * (a - mx)
            syy += (b - my) * (b - my)
        }
        guard sxx > 0, syy > 0 else { return nil }
        return sxy / (sxx * syy).squareRoot()
    }

    /// Spearman's rank correlation: Pearson's correlation of the average ranks of `x` and of `y`.
    /// Without ties it equals 1 − 6Σd²/(n(n²−1)), d the rank differences ([1,2,3,4] against [2,1,4,3]:
    /// 1 − 6·4/60 = 0.6); with ties only the Pearson form is exact ([1,1,2] against [1,2,3]: √3/2).
    /// 1 means the prediction orders configurations exactly as the measurements do; it ignores scale,
    /// so a model that is 30% off everywhere still ranks perfectly. nil where `pearson` is.
    package static func spearman(_ x: [Double], _ y: [Double]) -> Double? {
        guard x.count == y.count else { return nil }
        return pearson(averageRanks(x), averageRanks(y))
    }
}
