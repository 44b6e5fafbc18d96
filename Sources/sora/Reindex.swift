import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import SoraCore

/// `sora reindex`: the library index made anew from the status files.
struct Reindex: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild the library index from the status files.",
        discussion: """
            Safe at any time: writers wait for it, listings read the status files meanwhile. \
            Needed only after restoring a spool or if the index was damaged; it is also rebuilt \
            on its own when missing, damaged, or built before the last boot.
            """)

    func run() throws {
        let spool = loadConfig().spool
        try spool.prepare()
        let started = Date()
        let jobs = try spool.index.rebuild(wait: true)
        print(#"{"jobs":\#(jobs),"ms":\#(Int(Date().timeIntervalSince(started) * 1000))}"#)
    }
}
