// The player's watermark (R-SEC-2; issue 14 point 3): the viewer's name
// and number, the grant and the time in Beijing, written in a tiled,
// slowly drifting pattern over the picture, so that a photo or screen
// recording of the screen names who viewed, and no fixed crop removes it.
//
// The overlay is part of the player, not an option of the page: the
// template gives the media element no source, and this script sets it only
// once the overlay is drawn. A MutationObserver and a timer put the overlay
// back when it is removed, moved or hidden (its style is set again with
// !important at every draw), and a fullscreen request on the bare media
// element is turned into one on the player, overlay included.
//
// What this cannot do: a user with the browser's developer tools can stop
// any script of the page. It deters and identifies; the strong form is
// the watermarked copy (下载副本), whose watermark is burned into the
// frames by the server (docs/security.md).
(() => {
  'use strict';
  const box = document.querySelector('.player[data-wm-name]');
  if (!box) return;
  const { t } = window.Shilu;
  const media = box.querySelector('#player');
  const d = box.dataset;
  // The server's clock at the page's rendering, carried forward by the
  // monotonic clock: the viewer's own clock is not trusted.
  const base = Date.parse(d.wmNow), t0 = performance.now();
  const pad = n => String(n).padStart(2, '0');
  function beijing() {
    const x = new Date(base + (performance.now() - t0) + 8 * 3600e3);
    return `${x.getUTCFullYear()}-${pad(x.getUTCMonth() + 1)}-${pad(x.getUTCDate())} ${pad(x.getUTCHours())}:${pad(x.getUTCMinutes())}:${pad(x.getUTCSeconds())}`;
  }
  const who = [d.wmName, d.wmNumber].filter(Boolean).join(' ');
  const grant = d.wmGrant && d.wmGrant !== '0' ? t('wm_grant', d.wmGrant) : t('wm_policy');

  const fixed = {
    position: 'absolute', inset: '0', width: '100%', height: '100%', display: 'block', visibility: 'visible',
    opacity: '1', 'pointer-events': 'none', 'z-index': '2147483647', transform: 'none', filter: 'none',
    'clip-path': 'none', 'mix-blend-mode': 'normal', margin: '0', padding: '0', border: '0',
  };
  let layer = null;
  let restored = 0;

  function make() {
    if (layer) layer.remove();
    layer = document.createElement('canvas');
    layer.className = 'wm-layer';
    layer.id = 'wm-layer';
    layer.setAttribute('aria-hidden', 'true');
    box.append(layer);
  }

  // intact: the overlay is the player's last child, shown, and covers it.
  function intact() {
    if (!layer || !layer.isConnected || layer.parentNode !== box || box.lastElementChild !== layer) return false;
    const cs = getComputedStyle(layer);
    return cs.display !== 'none' && cs.visibility === 'visible' && Number(cs.opacity) >= 0.99 &&
      Math.abs(layer.clientWidth - box.clientWidth) <= 1 && Math.abs(layer.clientHeight - box.clientHeight) <= 1;
  }

  function draw() {
    if (!intact()) {
      if (layer) restored++;
      make();
    }
    for (const [k, v] of Object.entries(fixed)) layer.style.setProperty(k, v, 'important');
    const ratio = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(box.clientWidth * ratio)), h = Math.max(1, Math.round(box.clientHeight * ratio));
    if (layer.width !== w) layer.width = w;
    if (layer.height !== h) layer.height = h;
    const g = layer.getContext('2d');
    g.clearRect(0, 0, w, h);
    const size = Math.max(12, Math.round(Math.min(w, h) / 22));
    g.font = `${size}px "WenQuanYi Micro Hei", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif`;
    g.textBaseline = 'middle';
    const lines = [who, grant, beijing()];
    const tw = Math.max(...lines.map(s => g.measureText(s).width)) + size * 3;
    const th = size * 1.3 * lines.length + size * 2.5;
    // The pattern drifts one tile in 40 s: never still, so no fixed crop
    // or patch hides it.
    const phase = ((performance.now() - t0) / 40000) % 1;
    g.save();
    g.translate(w / 2, h / 2);
    g.rotate(-Math.PI / 9);
    const reach = Math.hypot(w, h) / 2 + Math.max(tw, th);
    g.lineWidth = Math.max(1, size / 10);
    g.strokeStyle = 'rgba(0, 0, 0, 0.35)';
    g.fillStyle = 'rgba(255, 255, 255, 0.42)';
    for (let y = -reach + phase * th, row = 0; y < reach; y += th, row++) {
      for (let x = -reach + phase * tw + (row % 2) * tw / 2; x < reach; x += tw) {
        lines.forEach((s, i) => {
          const ly = y + (i - (lines.length - 1) / 2) * size * 1.3;
          g.strokeText(s, x, ly);
          g.fillText(s, x, ly);
        });
      }
    }
    g.restore();
    box.dataset.wmRestored = String(restored);
  }

  new MutationObserver(() => { if (!intact()) draw(); }).observe(box, { childList: true, subtree: true, attributes: true });
  new MutationObserver(() => { if (!intact()) draw(); }).observe(document.documentElement, { childList: true, subtree: true, attributes: true, attributeFilter: ['style', 'class', 'hidden'] });
  if (window.ResizeObserver) new ResizeObserver(draw).observe(box);
  setInterval(draw, 1000);
  draw();

  // Fullscreen shows the player with its overlay, never the bare media.
  document.addEventListener('fullscreenchange', () => {
    if (document.fullscreenElement && document.fullscreenElement === media) {
      document.exitFullscreen().then(() => box.requestFullscreen()).catch(() => {});
    }
  });
  if (media) {
    media.disablePictureInPicture = true;
    media.src = d.src;
  }
})();
