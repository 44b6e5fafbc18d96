import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import SoraCore

/// `sora doctor`: why a deployment does not work, one line per thing, each with its fix.
struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a deployment: config, keys, spool, media, nginx, sockets, workers, reaper, disk, clock, gateway.",
        discussion: """
            Each line is OK, WARN or FAIL (SKIP: not applicable here) with the fix. Settings are named, \
            never shown. Run it as root (or as the service user) with the deployment's config \
            (SORA_CONFIG, default /etc/sora-fcgi/sora.env). nginx's configuration is found from a running \
            nginx (or /etc/nginx/nginx.conf) that serves our status folder, or given with --nginx-conf. \
            The gateway check is one free authenticated GET per protocol (a task list or model list), \
            never a generation. Exit code: 0 without FAIL, 1 with.
            """)

    @Option(name: .customLong("nginx-conf"), help: ArgumentHelp("nginx's main configuration file.", valueName: "file")) var nginxConf: String?
    @Option(name: .customLong("nginx-user"), help: ArgumentHelp("The user nginx's workers run as (default: from nginx's config).", valueName: "user"))
    var nginxUser: String?
    @Option(help: ArgumentHelp("The user the responders and workers run as (default: the running responders', or the spool's owner).", valueName: "user"))
    var user: String?
    @Option(help: ArgumentHelp("A FastCGI socket to check (besides those in nginx's config); repeatable.", valueName: "path"))
    var socket: [String] = []
    @Flag(help: "Skip the gateway and clock checks (no network).") var offline = false
    @Flag(help: "JSON output even on a terminal.") var json = false

    func run() throws {
        let config = TargetOptions.config()
        let configPath = TargetOptions.configPath
        let ctx = DoctorContext(config: config, configPath: configPath, serviceUser: user, nginxConf: nginxConf, nginxUser: nginxUser)
        var findings: [DoctorFinding] = [.ok("users", "service user \(ctx.serviceUser?.name ?? "?") (\(ctx.serviceUserSource)); "
                                                + "nginx user \(ctx.nginxUser?.name ?? "?") (\(ctx.nginxUserSource))")]
        findings += ctx.configChecks()
        findings += ctx.keyChecks()
        findings.append(ctx.binaryCheck())
        findings += ctx.spoolChecks()
        findings += ctx.mediaChecks()
        findings += ctx.nginxChecks()
        findings += ctx.socketChecks(extra: socket)
        findings += ctx.workerChecks()
        findings += ctx.reaperChecks()
        findings += ctx.diskChecks()
        if !offline { findings += ctx.gatewayChecks() }

        let fails = findings.filter { $0.level == .fail }.count, warns = findings.filter { $0.level == .warn }.count
        if json || !Terminal.isTTY {
            struct Report: Encodable { var ok: Bool; var config: String?; var findings: [DoctorFinding] }
            Terminal.json(Report(ok: fails == 0, config: configPath, findings: findings))
        } else {
            Terminal.line("sora doctor — config \(configPath ?? "(environment only)")")
            for f in findings { Terminal.line(Self.text(f)) }
            Terminal.line(fails + warns == 0 ? "All good." : "\(fails) FAIL, \(warns) WARN — the fixes are above.")
        }
        if fails > 0 { throw ExitCode(1) }
    }

    static func text(_ f: DoctorFinding) -> String {
        let color = switch f.level { case .ok: "32"; case .warn: "33"; case .fail: "31"; case .skip: "2" }
        var s = Terminal.paint(color, f.level.rawValue.padded(to: 5)) + " "
            + f.check.padded(to: 8) + " " + f.message
        if let fix = f.fix { s += "\n" + String(repeating: " ", count: 15) + "fix: " + fix }
        return s
    }
}
