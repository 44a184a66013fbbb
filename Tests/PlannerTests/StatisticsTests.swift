import Planner
import Testing

/// The statistics of the grid report, each against a value worked by hand.
struct StatisticsTests {
    @Test func medianOfOddAndEvenCounts() {
        #expect(Statistics.median([3, 1, 2]) == 2)
        // Even count: the mean of the two middle values, (2 + 3) / 2.
        #expect(Statistics.median([4, 1, 3, 2]) == 2.5)
        #expect(Statistics.median([]) == nil)
    }

    @Test func mean() {
        #expect(Statistics.mean([1, 2, 6]) == 3)
        #expect(Statistics.mean([]) == nil)
    }

    @Test func averageRanksShareTies() {
        // 20 and 20 take positions 2 and 3: each gets (2 + 3) / 2 = 2.5.
        #expect(Statistics.averageRanks([10, 20, 20, 30]) == [1, 2.5, 2.5, 4])
        #expect(Statistics.averageRanks([3, 1, 2]) == [3, 1, 2])
        // Three-way tie at the top: positions 2, 3, 4 → 3 each.
        #expect(Statistics.averageRanks([0, 5, 5, 5]) == [1, 3, 3, 3])
    }

    @Test func spearmanWithoutTies() throws {
        // d = [1, 1, 1, 1]: 1 − 6·4 / (4·15) = 0.6.
        let rho = try #require(Statistics.spearman([1, 2, 3, 4], [2, 1, 4, 3]))
        #expect(abs(rho - 0.6) < 1e-12)
        #expect(Statistics.spearman([1, 2, 3], [10, 20, 30]) == 1)
        #expect(Statistics.spearman([1, 2, 3], [30, 20, 10]) == -1)
    }

    @Test func spearmanWithTies() throws {
        // Ranks [1.5, 1.5, 3] against [1, 2, 3]: deviations [−0.5, −0.5, 1] and [−1, 0, 1];
        // Σxy = 1.5, Σx² = 1.5, Σy² = 2: 1.5 / √3 = √3/2 = 0.866….
        let rho = try #require(Statistics.spearman([1, 1, 2], [1, 2, 3]))
        #expect(abs(rho - 3.0.squareRoot() / 2) < 1e-12)
    }

    @Test func spearmanUndefined() {
        #expect(Statistics.spearman([1, 1, 1], [1, 2, 3]) == nil)  // a constant side
        #expect(Statistics.spearman([1], [1]) == nil)  // one pair
        #expect(Statistics.spearman([1, 2], [1, 2, 3]) == nil)  // lengths differ
    }
}
