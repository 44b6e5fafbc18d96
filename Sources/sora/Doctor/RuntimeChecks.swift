#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import SoraCore

/// `sora doctor`: workers against the queue, the reaper, disk space.
extension DoctorContext {
    func workerChecks(now: Date = Date()) -> [DoctorFinding] {
        let spool = config.spool
        let running = spool.runningWorkers(max: config.maxWorkers)
        let queued = spool.queuedJobs()
        var orphans: [String] = []
        for id in spool.allJobIDs() {
            guard let d = spool.readStatus(id), !d.status.isTerminal, !queued.contains(id),
                  !FileLock.isHeld(spool.lockPath(id)), now.timeIntervalSince(d.updatedAt) > 30 else { continue }
            orphans.append(id)
        }
        var out: [DoctorFinding] = [.ok("workers", "\(running) of \(config.maxWorkers) running, \(queued.count) queued")]
        if !orphans.isEmpty {
            out.append(.warn("workers", "\(orphans.count) unfinished jobs have no live worker (e.g. \(orphans[0]))",
                             fix: "the reaper settles them within a minute; now: sora reap (as \(serviceUser?.name ?? "the service user"))"))
        }
        if let oldest = queued.first, running < config.maxWorkers,
           let since = FileIO.modified(spool.queueDir + "/" + oldest), now.timeIntervalSince(since) > 120 {
            out.append(.warn("workers", "the queue is not moving: \(queued.count) wait with free slots since \(Int(now.timeIntervalSince(since))) s",
                             fix: "check the reaper (below) and the worker log in \(spool.jobDir(oldest))/worker.log"))
        }
        return out
    }

    /// A reaper must be scheduled: a systemd timer, a `reap --every` loop, or a cron line.
    /// Without one, a job whose worker died stays unfinished until someone uses the API.
    func reaperChecks(now: Date = Date()) -> [DoctorFinding] {
        var found: [String] = []
        var warnings: [String] = []
        if FileIO.exists("/run/systemd/system") {
            if let r = Run.capture(["systemctl", "is-active", "sora-fcgi-reap.timer"]), r.status == 0 { found.append("systemd timer sora-fcgi-reap.timer active") }
        } else if FileIO.exists("/etc/systemd/system/timers.target.wants/sora-fcgi-reap.timer") {
            warnings.append("sora-fcgi-reap.timer is enabled, but systemd is not running here")
        }
        for p in processes where p.isSora("reap") && p.arguments.contains("--every") && p.uses(config: configPath) == true {
            found.append("`sora reap --every` loop (pid \(p.pid))")
        }
        found += cronLines().map { "cron: \($0)" }
        var last = ""
        if let t = FileIO.modified(config.spool.root + "/.reaper-pass") { last = "; last pass \(Int(now.timeIntervalSince(t))) s ago" }
        if let first = found.first {
            return [.ok("reaper", first + last)]
        }
        let fix = "systemctl enable --now sora-fcgi-reap.timer — or without systemd a cron line: * * * * * SORA_CONFIG=\(configPath ?? "/etc/sora-fcgi/sora.env") \(config.workerBinary) reap"
        if let w = warnings.first { return [.warn("reaper", w + last, fix: fix)] }
        return [.fail("reaper", "no reaper is scheduled (no timer, loop or cron line): jobs whose worker dies stay unfinished\(last)", fix: fix)]
    }

    /// Cron lines that run `sora … reap` (system crontabs, users' crontabs we may read, ours).
    func cronLines() -> [String] {
        var files = ["/etc/crontab"] + FileIO.list("/etc/cron.d").map { "/etc/cron.d/\($0)" }
        files += FileIO.list("/var/spool/cron/crontabs").map { "/var/spool/cron/crontabs/\($0)" }
        var texts = files.compactMap { f in FileIO.read(f, limit: 1 << 20).map { (f, String(decoding: $0, as: UTF8.self)) } }
        if geteuid() != 0, let mine = Run.capture(["crontab", "-l"]), mine.status == 0 { texts.append(("crontab -l", mine.output)) }
        var out: [String] = []
        for (file, text) in texts {
            for line in text.split(separator: "\n") {
                let t = line.trimmed
                if t.hasPrefix("#") { continue }
                let words = t.split(separator: " ").map(String.init)
                if words.contains("reap"), words.contains(where: { Path.lastComponent($0).hasPrefix("sora") }) {
                    out.append(file)
                    break
                }
            }
        }
        return out
    }

    func diskChecks() -> [DoctorFinding] {
        var seen = Set<UInt>()
        var out: [DoctorFinding] = []
        for (what, dir) in [("spool", config.spoolDir), ("media", config.mediaDir)] {
            var s = statvfs()
            guard statvfs(dir, &s) == 0, seen.insert(s.f_fsid).inserted else { continue }
            let free = Double(s.f_bavail) * Double(s.f_frsize), size = Double(s.f_blocks) * Double(s.f_frsize)
            let text = "\(fixed(free / 1_073_741_824, 1)) GiB free of \(fixed(size / 1_073_741_824, 1)) GiB" + " under \(dir)"
            let fix = "free space or move \(what == "spool" ? "SORA_SPOOL_DIR" : "SORA_MEDIA_DIR") (a video is 5–50 MB; a full disk fails transfers)"
            if free < 512 * 1_048_576 { out.append(.fail("disk", text, fix: fix)) }
            else if free < 5 * 1_073_741_824 || free < size * 0.05 { out.append(.warn("disk", text, fix: fix)) }
            else { out.append(.ok("disk", text)) }
        }
        return out
    }
}
