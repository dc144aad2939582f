// The gallery from the last visit, shown before Python runs (Python replaces it once it has listed).
//
// What is kept, per person (the ID token's issuer and subject), in this origin's storage only:
// - localStorage "pettube.gallery:<owner>": the gallery's cards as Python last rendered them, as data
//   (tag, attributes, text), rebuilt here with createElement/setAttribute/textContent: no HTML is
//   ever parsed, so a title like "<img onerror=...>" stays text. Allowed tags and attributes only.
// - Cache API "pettube-thumbnails:<owner>": the thumbnails' bytes. Their presigned URLs expire (an hour
//   or so) and a returning visitor may come back days later: the bytes stay valid, a URL would not.
// Another person signed in on the same browser has another owner key and never sees this; sign-out
// deletes both (Python calls forget). Python calls remember after each listing.
(() => {
  const PENDING = "pettube.signin.pending";
  const CARDS = "pettube.gallery:", THUMBNAILS = "pettube-thumbnails:", MAX_CARDS = 60;
  const TAGS = new Set(["li", "div", "span", "button", "img", "h3", "p", "small", "strong", "em", "abbr", "time"]);
  const ATTRIBUTES = /^(class|title|role|type|alt|style|hidden|width|height|loading|decoding|aria-[a-z-]+|data-[a-z0-9-]+)$/;
  const $ = (selector) => document.querySelector(selector);
  const blobs = new Set();

  // The key everything is stored under: who the token names, at which provider (as app.auth reads it).
  const ownerKey = (provider, subject) => `${provider} ${subject}`;

  // An element as data: [tag, {attribute: value}, ...children], a text node as its string.
  function toData(node) {
    if (node.nodeType === Node.TEXT_NODE) {
      return node.data;
    }
    const tag = node.localName;
    if (node.nodeType !== Node.ELEMENT_NODE || !TAGS.has(tag)) {
      return null;
    }
    const attributes = Object.fromEntries([...node.attributes].filter((a) => ATTRIBUTES.test(a.name))
      .map((a) => [a.name, a.value]));
    return [tag, attributes, ...[...node.childNodes].map(toData).filter((child) => child !== null)];
  }

  function fromData(data) {
    if (typeof data === "string") {
      return document.createTextNode(data);
    }
    const [tag, attributes, ...children] = data;
    if (!TAGS.has(tag)) {
      return document.createTextNode("");
    }
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (ATTRIBUTES.test(name)) {
        element.setAttribute(name, value);
      }
    }
    element.append(...children.map(fromData));
    return element;
  }

  // A thumbnail's place in the cache: one per video and thumbnail object, whatever its URL's signature.
  const thumbnailKey = (videoId, url) =>
    `/gallery-cache/thumbnails/${encodeURIComponent(videoId)}?object=${encodeURIComponent(new URL(url).pathname)}`;

  // Keep the bytes of the shown cards' thumbnails; drop those of videos no longer shown.
  async function keepThumbnails(owner, urls) {
    const cache = await caches.open(THUMBNAILS + owner);
    const wanted = new Map(Object.entries(urls).map(([id, url]) => [thumbnailKey(id, url), url]));
    const kept = new Set((await cache.keys()).map((request) => new URL(request.url).pathname + new URL(request.url).search));
    await Promise.all([...kept].filter((key) => !wanted.has(key)).map((key) => cache.delete(key)));
    await Promise.all([...wanted].filter(([key]) => !kept.has(key)).map(async ([key, url]) => {
      try {
        const answer = await fetch(url, { credentials: "omit" });
        if (answer.ok) {
          await cache.put(key, answer);
        }
      } catch {
        // Offline or refused: this card shows no picture before Python next time.
      }
    }));
  }

  // Python, after listing: keep what the gallery shows now. `thumbnails`: video id -> thumbnail URL.
  // Best effort: storage full or refused (private browsing) only means no early gallery next time.
  async function remember(owner, thumbnails) {
    try {
      await keep(owner, thumbnails);
    } catch (error) {
      console.warn("The gallery could not be kept for the next visit:", error);
    }
  }

  async function keep(owner, thumbnails) {
    const cards = [...$("#gallery").children].slice(0, MAX_CARDS);
    const shown = new Set(cards.map((card) => card.dataset.videoId));
    const urls = Object.fromEntries(Object.entries(thumbnails).filter(([id]) => shown.has(id)));
    const thumbs = Object.fromEntries(Object.entries(urls).map(([id, url]) => [id, thumbnailKey(id, url)]));
    localStorage.setItem(CARDS + owner, JSON.stringify({
      cards: cards.map(toData), count: $("#media-count").textContent, thumbs,
    }));
    await keepThumbnails(owner, urls);
  }

  // Sign-out: nothing of this person stays readable in this browser.
  async function forget(owner) {
    localStorage.removeItem(CARDS + owner);
    blobs.forEach((url) => URL.revokeObjectURL(url));
    blobs.clear();
    await caches.delete(THUMBNAILS + owner);
  }

  // The bytes are in memory already: loaded at once, not lazily (a lazy image waits for layout to
  // find it on screen, a frame or more, while Python's start keeps the page's thread busy).
  async function showThumbnails(opening, thumbs, gallery) {
    const cache = await opening;
    await Promise.all(Object.entries(thumbs).map(async ([id, key]) => {
      const image = [...gallery.children].find((card) => card.dataset.videoId === id)?.querySelector("img");
      const answer = image && await cache.match(key);
      if (answer && image.isConnected && !image.getAttribute("src")) { // Python may have shown it already
        const url = URL.createObjectURL(await answer.blob());
        blobs.add(url);
        image.loading = "eager";
        image.src = url;
      }
    }));
  }

  // The marks of a gallery that is not live yet (Python's views.gallery_live takes them off).
  function markUpdating(updating) {
    $("#gallery").setAttribute("aria-busy", String(updating));
    $("#gallery-updating").hidden = !updating;
  }

  // Uploading and finding need Python: out of reach until it handles them (views.workspace_usable).
  function lockControls(locked) {
    for (const part of document.querySelectorAll("#workspace .upload-card, #workspace .finder")) {
      part.inert = locked;
    }
  }

  function show() {
    const login = pettubeEarly.savedLogin(), owner = login && ownerKey(login.provider, login.claims.sub);
    if (!owner || sessionStorage.getItem(`${PENDING}.fragment`) || location.hash.startsWith("#/watch/")
        || document.body.dataset.screen !== "boot") {
      return;
    }
    let saved;
    try {
      saved = JSON.parse(localStorage.getItem(CARDS + owner));
    } catch {
      return;
    }
    if (!saved?.cards?.length) {
      return;
    }
    const opening = (async () => caches.open(THUMBNAILS + owner))();  // meanwhile, the cards are built
    const gallery = $("#gallery");
    gallery.replaceChildren(...saved.cards.map(fromData));
    gallery.dataset.cachedFor = owner;
    $("#gallery-loading").hidden = true;
    $("#media-count").textContent = saved.count ?? "";
    markUpdating(true);
    lockControls(true);
    pettubeEarly.show("workspace");
    showThumbnails(opening, saved.thumbs ?? {}, gallery).catch(() => {});
  }

  globalThis.pettubeGallery = { ownerKey, remember, forget, markUpdating, lockControls };
  show();
})();
