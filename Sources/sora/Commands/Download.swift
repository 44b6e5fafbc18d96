import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import SoraCore

/// `sora download ID [-o FILE]`: a finished job's video — copied from the local store, or
/// fetched from its URL (the deployment's /media/, or a public or freshly signed store link).
struct Download: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Save a finished job's video (default: ./<id>.mp4; -o - writes to stdout).",
        discussion: "Exit codes: 0 saved, 26 no such job, 27 not finished (or failed), 25/1 the video could not be fetched or written.")

    @Argument(help: "The job id.") var jobID: String
    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Where to write it.", valueName: "file")) var output: String?
    @OptionGroup var target: TargetOptions

    func run() throws {
        let api = try target.caller(changesJobs: false)
        let doc = try fetchStatus(api, id: jobID, json: !Terminal.isTTY)
        guard doc.status == .succeeded, let url = doc.videoURL else {
            Terminal.err("download: job \(jobID) has no video (\(doc.status.rawValue))")
            throw ExitCode(ExitStatus.conflict)
        }
        let path = output ?? "\(jobID).mp4"
        if path == "-" {
            if case .failure(let e) = api.download(url: url, videoKey: doc.videoKey, to: 1) { throw unreachable(e) }
            return
        }
        // A partial file never takes the final name: write beside it, then rename.
        let part = path + ".part"
        let fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            Terminal.err("download: cannot write \(part): \(String(cString: strerror(errno)))")
            throw ExitCode(ExitStatus.error)
        }
        let result = api.download(url: url, videoKey: doc.videoKey, to: fd)
        let synced = fsync(fd) == 0
        close(fd)
        switch result {
        case .failure(let e):
            unlink(part)
            throw unreachable(e)
        case .success(let bytes):
            guard synced, rename(part, path) == 0 else {
                unlink(part)
                Terminal.err("download: cannot write \(path)")
                throw ExitCode(ExitStatus.error)
            }
            Terminal.err("saved \(path) (\(ProgressLine.megabytes(bytes)))")
        }
    }
}
