// Catalog entries shaped like contract §2, shared by the page's node tests.
export const SEEDANCE = {
  id: 'seedance-2-0', label: 'Seedance 2.0', vendor: 'ByteDance Seedance', protocol: 'ark_tasks',
  modes: ['text_to_video', 'image_to_video', 'first_last_frame'],
  params: [
    { name: 'duration', kind: 'int', min: 4, max: 15, default: 5, unit: 's' },
    { name: 'resolution', kind: 'enum', values: ['480p', '720p', '1080p'], default: '720p' },
    { name: 'ratio', kind: 'enum', values: ['16:9', '4:3', '1:1', '3:4', '9:16', '21:9', 'adaptive'], default: '16:9' },
    { name: 'audio', kind: 'bool', default: true },
    { name: 'seed', kind: 'int', min: -1, max: 4294967295, default: -1, advanced: true },
    { name: 'negative_prompt', kind: 'string', max_length: 500, default: '', advanced: true },
  ],
  price: { kind: 'per_token', usd_per_million_tokens: { '480p': 7.13, '720p': 7.13, '1080p': 7.9 }, fps: 24 },
  typical_seconds: 180, tags: ['Seedance', 'audio'], retired: false, width: null, height: null, duration: null,
};

/** The built-in Sora entries as the old catalog gives them (fixed size, price per call). */
export const SORA = {
  id: 'sora-v2-portrait', upstream_model: 'sora_video2', label: 'Sora 2 - 竖屏 10s', description: 'Sora 2 竖屏视频，704×1280，10秒，$0.15/次',
  width: 704, height: 1280, duration: 10, price_usd: 0.15, tags: ['Sora', '竖屏', '10s'], modes: ['text_to_video', 'image_to_video'], retired: false,
};
