import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import SoraCore

/// Output for the command-line tools: a live line on a terminal, JSON lines otherwise.
enum Terminal {
    /// Whether stdout is a terminal (progress bar and tables) or not (JSON).
    static var isTTY: Bool { isatty(1) == 1 }

    static var width: Int {
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init) ?? 80
    }

    /// Colours only on a terminal, and never with NO_COLOR (https://no-color.org) or TERM=dumb.
    static var color: Bool {
        let env = ProcessInfo.processInfo.environment
        return isTTY && env["NO_COLOR"] == nil && env["TERM"] != "dumb"
    }

    static func out(_ s: String) { try? FileIO.writeAll(1, Array(s.utf8), path: "stdout") }
    static func line(_ s: String) { out(s + "\n") }
    static func err(_ s: String) { try? FileIO.writeAll(2, Array((s + "\n").utf8), path: "stderr") }

    /// Replaces the live line (carriage return, text, erase to the end of the line).
    static func live(_ s: String) { out("\r" + s + "\u{1B}[K") }
    static func endLive() { out("\r\u{1B}[K") }

    /// One JSON value as one line.
    static func json<T: Encodable>(_ value: T) {
        if let data = try? SpoolJSON.encoder().encode(value) { out(String(decoding: data, as: UTF8.self) + "\n") }
    }

    static func pretty<T: Encodable>(_ value: T) {
        let e = SpoolJSON.encoder()
        e.outputFormatting.insert(.prettyPrinted)
        if let data = try? e.encode(value) { out(String(decoding: data, as: UTF8.self) + "\n") }
    }

    static func raw(_ bytes: [UInt8]) { try? FileIO.writeAll(1, bytes + (bytes.last == 0x0A ? [] : [0x0A]), path: "stdout") }

    static func paint(_ code: String, _ s: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
}

/// Ctrl+C and SIGTERM for commands that follow jobs: blocked at the start and taken only between
/// ticks (`sigtimedwait`), so the command detaches cleanly — it never cancels a job, and the
/// workers (their own session, an empty signal mask) never see the terminal's Ctrl+C.
enum Interrupts {
    static func block() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Waits up to `seconds`; returns the signal that arrived, if any.
    static func wait(_ seconds: Double) -> Int32? {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        var timeout = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9))
        let s = sigtimedwait(&set, nil, &timeout)
        return s > 0 ? s : nil
    }
}

extension ExitCode {
    /// One of the documented exit codes (`ExitStatus`).
    init(_ status: ExitStatus) { self.init(status.rawValue) }
}
