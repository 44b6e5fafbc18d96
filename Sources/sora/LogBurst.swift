import ArgumentParser
import SoraCore

/// Test hook (hidden from help): appends events to an events.log as fast as it can. Several
/// copies run at once let the tests check that concurrent writers never tear or interleave lines.
struct LogBurst: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log-burst", abstract: "Append COUNT events to an event log (tests).", shouldDisplay: false)

    @Option(help: "The log file.") var path: String
    @Option(help: "How many events.") var count = 1000
    @Option(help: "Padding bytes per event; event n carries n × padding mod 70000, so sizes vary past a page.")
    var padding = 0

    func run() throws {
        let log = EventLog(path: path)
        for n in 0..<count {
            let size = padding == 0 ? 0 : (n * padding) % 70_000
            log.write("log_burst", job: nil, fields: ["n": n, "pad": String(repeating: "x", count: size)])
        }
    }
}
