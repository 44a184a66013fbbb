import Foundation

/// Numbers as the plan and the reports print them: six significant digits, so the same value always
/// gives the same text and files stay readable.
package enum Rounded {
    /// `value` to six significant digits (`%.6g`); non-finite values become 0, since JSON has no ∞.
    package static func six(_ value: Double) -> Double {
        guard value.isFinite, value != 0 else { return 0 }
        return Double(String(format: "%.6g", value)) ?? value
    }

    /// Bytes as GiB (2^30 bytes), six significant digits.
    package static func gib(_ bytes: Double) -> Double { six(bytes / 1_073_741_824) }
}
