#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SoraCore

/// `sora doctor`: each gateway reachable and its key accepted (one free authenticated GET per
/// protocol and API root, see `GatewayProbe`), and the clock against the gateway's `Date`.
extension DoctorContext {
    func gatewayChecks(transport: HTTPTransport = CurlTransport()) -> [DoctorFinding] {
        HTTPClient.globalInit()
        var out: [DoctorFinding] = []
        var clock: DoctorFinding?
        for target in GatewayProbe.targets(config: config) {
            let key = config.apiKey(named: target.keySetting)
            guard !key.isEmpty else {
                out.append(.skip("gateway", "\(target.protocol.rawValue) at \(target.apiRoot): not tried, \(target.keySetting) is not set"))
                continue
            }
            var verdict: DoctorFinding?
            for request in GatewayProbe.requests(for: target) {
                let started = Date()
                let (outcome, _) = transport.fetch(AuthorizedRequest(request, authorization: "Bearer \(key.reveal())"), limit: 256 << 10)
                let status = outcome.head?.status
                if clock == nil, let skew = GatewayProbe.skew(dateHeader: outcome.head?.headers["date"], now: Date()) {
                    clock = GatewayProbe.skewFinding(skew, origin: URLOrigin(request.url).map { "\($0.host)" } ?? "the gateway")
                }
                verdict = GatewayProbe.verdict(target, url: request.url, status: status, error: outcome.errorMessage,
                                               seconds: Date().timeIntervalSince(started), tlsFailed: outcome.tlsFailed)
                if let status, GatewayProbe.notOffered(status) { continue }
                break
            }
            if let verdict { out.append(verdict) }
        }
        out.append(clock ?? .skip("clock", "no gateway answered with a Date header"))
        return out
    }
}
