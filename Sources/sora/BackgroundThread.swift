import Glibc

/// One closure run on a thread of its own, joined before the process exits (the worker's main
/// thread is busy with its job; Foundation's Thread is not in FoundationEssentials).
struct BackgroundThread {
    private final class Body { let run: () -> Void; init(_ run: @escaping () -> Void) { self.run = run } }
    private let thread: pthread_t

    /// Nil when no thread could be made; the caller then runs `body` itself.
    init?(_ body: @escaping () -> Void) {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var t = pthread_t()
        let made = pthread_create(&t, nil, { raw in
            Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }, context)
        guard made == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            return nil
        }
        thread = t
    }

    func join() { pthread_join(thread, nil) }
}
