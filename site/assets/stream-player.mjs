// PetTube's HLS player: hls.js (self-hosted, site/vendor) fed with the playlists MyMedia answered.
//
// MyMedia sends a video's master playlist and its media playlists in one signed API answer,
// every segment URI already a presigned, expiring S3 URL. The playlists never travel again:
// a loader answers hls.js's playlist requests from memory, and only the segments (byte ranges
// of one object per rendition) are fetched, from S3. Python drives this module (playerviews.py).
import Hls from "/vendor/hls.mjs";

let streams = 0;

/** True where hls.js can play (Media Source Extensions, or Safari's ManagedMediaSource). */
export function supported() {
  return Hls.isSupported();
}

/** Playlists by absolute URL under a base of their own, so hls.js's relative resolution finds them. */
function playlistsByUrl(master, playlists) {
  const base = new URL(`/stream/${++streams}/`, location.href);
  const masterUrl = new URL("master.m3u8", base).href;
  const texts = new Map([[masterUrl, master]]);
  for (const [uri, text] of Object.entries(playlists)) texts.set(new URL(uri, masterUrl).href, text);
  return { masterUrl, texts };
}

/** hls.js's own loader, except that a playlist it holds is answered without a request. */
function memoryLoader(texts) {
  const Base = Hls.DefaultConfig.loader;
  return class MemoryLoader extends Base {
    load(context, config, callbacks) {
      const text = texts.get(context.url);
      if (text === undefined) return super.load(context, config, callbacks);
      const now = performance.now();
      Object.assign(this.stats.loading, { start: now, first: now, end: now });
      this.stats.loaded = this.stats.total = text.length;
      this.context = context;
      queueMicrotask(() => callbacks.onSuccess({ url: context.url, data: text }, this.stats, context, null));
    }
  };
}

const label = (level) => `${Math.min(level.width, level.height)}p`;

/** One <video> playing one stream: Auto (hls.js's choice) or a fixed quality, and which one plays. */
export class StreamPlayer {
  constructor(video, master, playlists, { startPosition = -1, onQuality = () => {}, onFailure = () => {} } = {}) {
    const { masterUrl, texts } = playlistsByUrl(master, playlists);
    const downlink = navigator.connection?.downlink;  // Mbit/s, where the browser tells
    this.video = video;
    this.hls = new Hls({
      pLoader: memoryLoader(texts),
      startPosition,
      capLevelToPlayerSize: true,  // never more pixels than the player shows
      // ... counted at two device pixels per CSS pixel at most: a phone's third doubles the bytes
      // (a 367 px player: 720p instead of 480p, 2.3x for a 60 s clip, bench/stream_bytes.py) for
      // detail nobody sees in moving pictures that small. The size buttons still give any rung.
      maxDevicePixelRatio: 2,
      // Two segments ahead, not hls.js's 30 s: a viewer who stops early has not paid for the rest
      // (a phone's data), and a paused player's URLs are not all spent before they expire. Both
      // bounds: below 60 MB of buffer hls.js would otherwise go on to 600 s of a low-bitrate stream.
      maxBufferLength: 12,
      maxMaxBufferLength: 12,
      ...(downlink ? { abrEwmaDefaultEstimate: downlink * 1e6 } : {}),
    });
    this.onQuality = onQuality;
    this.playing = -1;  // the level on screen, once hls.js has switched to one
    this.hls.on(Hls.Events.LEVEL_SWITCHED, (_, { level }) => {
      this.playing = level;
      this.#report();
    });
    // The presigned URL the player reads now (one object per rendition): renewal and tests look at it.
    this.hls.on(Hls.Events.FRAG_LOADING, (_, { frag }) => { video.dataset.source = frag.url; });
    // S3's 403 for a segment: its presigned URL expired (a long pause). hls.js would try the other
    // qualities and back off for half a minute before giving up; the page renews at once instead.
    let expiredReported = false;
    this.hls.on(Hls.Events.ERROR, (_, data) => {
      const expired = data.type === Hls.ErrorTypes.NETWORK_ERROR && data.response?.code === 403;
      if (data.fatal || (expired && !expiredReported)) {
        expiredReported ||= expired;
        onFailure(data.type, data.details, data.response?.code ?? 0);
      }
    });
    this.hls.loadSource(masterUrl);
    this.hls.attachMedia(video);
  }

  /** The qualities to choose from, largest first: [label, width, height, bitrate]. */
  get qualities() {
    return this.hls.levels.map((level) => [label(level), level.width, level.height, level.bitrate])
      .sort((a, b) => b[2] * b[1] - a[2] * a[1]);
  }

  /** "auto", or a quality's label: switch now (the buffer ahead is replaced). */
  choose(quality) {
    const level = quality === "auto" ? -1 : this.hls.levels.findIndex((each) => label(each) === quality);
    this.hls.currentLevel = level;
    // Auto, or the quality already on screen: hls.js switches nothing, so no LEVEL_SWITCHED says so.
    if (level === -1 || level === this.playing) this.#report();
  }

  #report() {
    const playing = this.hls.levels[this.playing];
    if (playing) this.onQuality(label(playing), this.hls.autoLevelEnabled);
  }

  destroy() {
    this.hls.destroy();
  }
}
