import Foundation
import Testing
@testable import SoraCore

/// The terminal's live line for a job (issue 11 §1).
@Suite struct ProgressLineTests {
    let t0 = Date(timeIntervalSince1970: 1_790_000_000)

    func doc(_ status: JobState, _ phase: JobPhase, progress: Double = 0, started: Double? = nil) -> StatusDocument {
        var d = StatusDocument(seq: 1, taskID: "01m8qxrqc4vpnx6fyrb9gnq7dz", status: status, phase: phase, model: "seedance-2-0",
                               upstreamModel: "u", protocol: .arkTasks, mode: .textToVideo, params: [:], duration: 5,
                               width: 1280, height: 720, origPrompt: "p", statusURL: "/status/x.json", priceUSD: 0.5, createdAt: t0)
        d.progress = progress
        d.startedAt = started.map { t0.addingTimeInterval($0) }
        return d
    }

    @Test func stageIsWordedFromThePhase() {
        var q = doc(.queued, .queued)
        q.queuePosition = 3
        #expect(ProgressLine.stage(q) == "Waiting for a worker (#3)")
        #expect(ProgressLine.stage(doc(.generating, .upstreamQueued)) == "Queued at the gateway")
        #expect(ProgressLine.stage(doc(.transferring, .downloading)) == "Downloading the video")
    }

    @Test func lineHasBarPercentElapsedAndEstimate() {
        let line = ProgressLine.render(doc(.generating, .generating, progress: 45, started: 2), typicalSeconds: 180,
                                       now: t0.addingTimeInterval(72), width: 100, tick: 0)
        // 45 % after 70 s of work: 70 × 55 / 45 ≈ 85 s to go.
        #expect(line == "⠋  Generating                ██████████░░░░░░░░░░░░░░   45%  1:12  ~1:25 left")
        // Below 10 % the model's typical time is all there is.
        let early = ProgressLine.render(doc(.generating, .generating, progress: 5, started: 2), typicalSeconds: 180,
                                        now: t0.addingTimeInterval(72), width: 100, tick: 0)
        #expect(early.hasSuffix("~1:50 left"))
        let late = ProgressLine.render(doc(.generating, .upstreamQueued, progress: 0, started: 0), typicalSeconds: 60,
                                       now: t0.addingTimeInterval(100), width: 100, tick: 1)
        #expect(late.hasSuffix("1:40  longer than usual (typ. 1:00)"))
        let waiting = ProgressLine.render(doc(.queued, .queued), typicalSeconds: 180, now: t0, width: 100, tick: 0)
        #expect(waiting.hasSuffix("then ~3:00"))
    }

    @Test func lineFitsNarrowTerminals() {
        let d = doc(.generating, .generating, progress: 45, started: 0)
        for width in [20, 40, 60, 80] {
            let line = ProgressLine.render(d, typicalSeconds: 180, now: t0.addingTimeInterval(5), width: width, tick: 0)
            #expect(line.count <= width, "\(width): \(line)")
            #expect(width < 40 || line.contains("45%"))
        }
    }

    @Test func summarySaysHowItEnded() {
        var ok = doc(.succeeded, .done, progress: 100)
        ok.finishedAt = t0.addingTimeInterval(151); ok.videoURL = "/media/v.mp4"; ok.sizeBytes = 12_400_000; ok.costUSD = 0.52
        #expect(ProgressLine.summary(ok, now: t0, color: false).hasPrefix("✓ Succeeded in 2:31 — seedance-2-0, 12.4 MB, $0.5200\n  video: /media/v.mp4"))
        var bad = doc(.failed, .failed)
        bad.finishedAt = t0.addingTimeInterval(42); bad.error = JobFailure(.transfer, "download_http", detail: "HTTP 403"); bad.canRetry = true
        let s = ProgressLine.summary(bad, now: t0, color: false)
        #expect(s.hasPrefix("✗ Failed after 0:42: transfer (download_http)") && s.contains("sora retry-transfer 01m8qxrqc4vpnx6fyrb9gnq7dz"))
        #expect(ProgressLine.clock(3723) == "1:02:03" && ProgressLine.clock(7) == "0:07")
    }

    @Test func configFailuresNameTheirOwnFix() {
        let advice = ["no_key", "tls_failed", "spool_unwritable", "input_unreadable"].map { ProgressLine.explain(JobFailure(.config, $0)) }
        #expect(Set(advice).count == 4)
        #expect(advice[0].contains("sora doctor") && advice[1].contains("SORA_CA_FILE") && advice[2].contains("disk full"))
    }
}
