import Foundation
import Testing

/// `plan calibrate` as a team runs it: its own logs in, a profile out that a cluster file names, and
/// predictions with that profile equal to what the report said after the fit.
struct CalibrateEndToEndTests {
    @Test func calibratedProfileLoadsAndPredictsWhatTheFitSaid() throws {
        let directory = try Binary.scratch()
        let profile = directory.appendingPathComponent("team-h100.yaml")
        let result = try Binary.run([
            "calibrate", "Tests/Fixtures/logs/team-runs.yaml", "--out", profile.path, "--name", "team-h100",
            "--format", "json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try result.json()
        let rows = try #require(report["rows"] as? [[String: Any]])
        #expect(rows.count == 5)
        let tp2 = try #require(rows.first { $0["id"] as? String == "team-8b-tp2" })
        let after = try #require(tp2["afterPredicted"] as? Double)
        #expect(try #require(report["medianAfter"] as? Double) < (report["medianBefore"] as? Double ?? 0))
        // The written profile, named by path in a cluster file beside it.
        let cluster = directory.appendingPathComponent("team.yaml")
        try Data("name: team\ngpu: team-h100.yaml\nnodes: 1\ngpus_per_node: 8\n".utf8).write(to: cluster)
        let plan = try Binary.run([
            "evaluate", "--model", "llama3-8b", "--cluster", cluster.path, "--global-batch", "128", "--tp", "2",
            "--pp", "1", "--dp", "4", "--mbs", "1", "--zero", "1", "--split", "uniform",
        ]).json()
        let perDevice = try #require((plan["prediction"] as? [String: Any])?["tokensPerSecondPerDevice"] as? Double)
        #expect(abs(perDevice / after - 1) < 1e-4, "\(perDevice) vs \(after)")
        #expect((plan["cluster"] as? [String: Any])?["gpu"] as? String == "team-h100")
        let text = try String(contentsOf: profile, encoding: .utf8)
        #expect(text.contains("fitted by `plan calibrate Tests/Fixtures/logs/team-runs.yaml` on 5 runs"))
        // The device's host link survives the calibration, so the team profile can still offload.
        #expect(text.contains("host_link_GBps_one_direction: 64"))
        let offloaded = try Binary.run([
            "evaluate", "--model", "llama3-8b", "--cluster", cluster.path, "--global-batch", "128", "--tp", "1",
            "--pp", "1", "--dp", "8", "--mbs", "1", "--zero", "3", "--cpu-offload-layers", "4",
        ])
        #expect(offloaded.status == 0, "\(offloaded.stderr)")
    }

    @Test func runsThatCannotPinAFitAreRefused() throws {
        let runs = try Binary.scratch().appendingPathComponent("two.yaml")
        let logs = Binary.root.appendingPathComponent("Tests/Fixtures/logs").path
        try Data(
            """
            runs:
              - {id: a, log: \(logs)/megatron-llama3-8b-tp2-mbs1.log, cluster: {gpu: h100-sxm5-80gb, nodes: 1}}
              - {id: b, log: \(logs)/megatron-llama3-8b-tp2-mbs2.log, cluster: {gpu: h100-sxm5-80gb, nodes: 1}}
            """.utf8
        ).write(to: runs)
        let result = try Binary.run(["calibrate", runs.path, "--out", runs.path + ".profile.yaml"])
        #expect(result.status == 1 && result.stdout.isEmpty)
        #expect(result.stderr.contains("'RUNS': 2 runs of h100-sxm5-80gb cannot pin a fit; measure at least 3"))
        #expect(!FileManager.default.fileExists(atPath: runs.path + ".profile.yaml"))
        let wrong = try Binary.run(["calibrate", "Tests/Fixtures/logs/team-runs.yaml", "--profile", "a100-sxm4-80gb"])
        #expect(
            wrong.status == 1 && wrong.stderr.contains("no run is on 'a100-sxm4-80gb'; the runs use h100-sxm5-80gb"))
    }
}
