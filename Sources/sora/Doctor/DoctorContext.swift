#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import SoraCore

/// What `sora doctor` found out before judging: the configuration, who runs the responders,
/// who nginx's workers are, and nginx's full configuration.
struct DoctorContext {
    let config: Config
    let configPath: String?
    let processes: [ProcessInfoEntry]
    var serviceUser: Permissions.Identity?
    var serviceUserSource = ""
    var nginxConf: String?
    var nginxPrefix: String?
    var nginxDump: NginxDump?
    var nginxTest: (status: Int32, output: String)?
    var nginxUser: Permissions.Identity?
    var nginxUserSource = ""

    init(config: Config, configPath: String?, serviceUser: String?, nginxConf: String?, nginxUser: String?) {
        self.config = config
        self.configPath = configPath
        processes = ProcessInfoEntry.all()
        findServiceUser(serviceUser)
        findNginx(nginxConf)
        findNginxUser(nginxUser)
    }

    /// Our responders (`sora fcgi` with this config file; processes whose environment we may not
    /// read are not counted as ours).
    var responders: [ProcessInfoEntry] { processes.filter { $0.isSora("fcgi") && $0.uses(config: configPath) == true } }

    mutating func findServiceUser(_ given: String?) {
        if let given {
            serviceUser = Permissions.Identity.named(given)
            serviceUserSource = "--user"
        } else if let r = responders.first, let who = Permissions.Identity.uid(r.uid) {
            serviceUser = who
            serviceUserSource = "the running responders"
        } else {
            var s = stat()
            if stat(config.spoolDir, &s) == 0, let who = Permissions.Identity.uid(s.st_uid) {
                serviceUser = who
                serviceUserSource = "the spool's owner"
            } else {
                serviceUser = Permissions.Identity.uid(geteuid())
                serviceUserSource = "this user"
            }
        }
    }

    /// `--nginx-conf`, else a running nginx (or the system's) whose configuration serves our
    /// status folder.
    mutating func findNginx(_ given: String?) {
        var candidates: [(conf: String, prefix: String?)] = []
        if let given { candidates = [(given, nil)] } else {
            for p in processes where p.arguments.first?.hasPrefix("nginx: master process") == true {
                let words = p.arguments.joined(separator: " ").split(separator: " ").map(String.init)
                let conf = words.firstIndex(of: "-c").flatMap { words.indices.contains($0 + 1) ? words[$0 + 1] : nil } ?? "/etc/nginx/nginx.conf"
                let prefix = words.firstIndex(of: "-p").flatMap { words.indices.contains($0 + 1) ? words[$0 + 1] : nil }
                if !candidates.contains(where: { $0.conf == conf }) { candidates.append((conf, prefix)) }
            }
            if !candidates.contains(where: { $0.conf == "/etc/nginx/nginx.conf" }), FileIO.exists("/etc/nginx/nginx.conf") {
                candidates.append(("/etc/nginx/nginx.conf", nil))
            }
        }
        for c in candidates.prefix(12) {
            var args = ["nginx", "-T", "-q", "-e", "stderr", "-c", c.conf]
            if let prefix = c.prefix { args += ["-p", prefix] }
            guard let out = Run.capture(args) else { continue }
            let dump = NginxDump(text: out.output)
            let ours = dump.aliases.contains { $0.hasPrefix(config.spool.statusDir + "/") } || given != nil
            if ours {
                nginxConf = c.conf; nginxPrefix = c.prefix; nginxDump = dump; nginxTest = out
                return
            }
        }
    }

    mutating func findNginxUser(_ given: String?) {
        if let given {
            nginxUser = Permissions.Identity.named(given); nginxUserSource = "--nginx-user"
        } else if let u = nginxDump?.user {
            nginxUser = Permissions.Identity.named(u); nginxUserSource = "`user` in nginx's config"
        } else if let conf = nginxConf, let master = processes.first(where: {
            $0.arguments.first?.hasPrefix("nginx: master process") == true && $0.arguments.joined(separator: " ").contains(conf)
        }) {
            // Without `user`, a master started as root runs its workers as nobody (nginx's default).
            nginxUser = master.uid == 0 ? Permissions.Identity.named("nobody") : Permissions.Identity.uid(master.uid)
            nginxUserSource = "nginx's default for this master"
        } else if nginxConf != nil {
            nginxUser = Permissions.Identity.named("nobody"); nginxUserSource = "nginx's default (no `user`)"
        } else if let www = Permissions.Identity.named("www-data") {
            nginxUser = www; nginxUserSource = "Debian's default (no nginx config found)"
        }
    }
}
