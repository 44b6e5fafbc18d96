import Foundation

extension Config {
    /// The store chosen by `STORAGE` (default `local`: `SORA_MEDIA_DIR` served at `SORA_MEDIA_URL_PREFIX`).
    public func makeStore() -> VideoStore {
        LocalStore(root: mediaDir, urlPrefix: publicBaseURL + mediaURLPrefix)
    }
}
