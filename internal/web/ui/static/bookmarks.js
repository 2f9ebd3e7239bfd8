// Key moments (重点摄录) on a recording's page (Art. 10; R-ACT-5): the strip
// under the player and the list seek the player, 添加重点 marks the player's
// current time, and #t=SECONDS (the links of an activity's page) opens the
// player at a moment. Bookmarks are metadata beside the original; the
// server decides who may add and remove them.
(() => {
  'use strict';
  const { $, $$, t, api, toast } = window.Shilu;
  const panel = $('#bookmarks');
  if (!panel) return;
  const player = $('#player');
  const media = player && (player.tagName === 'VIDEO' || player.tagName === 'AUDIO') ? player : null;
  const recording = panel.dataset.recording;

  // seek moves the player to sec. The player loads nothing until asked
  // (preload=none: every byte served is a logged viewing), so a seek before
  // playback first loads the metadata.
  function seek(sec) {
    if (!media) return;
    const go = () => { media.currentTime = sec; };
    if (media.readyState >= 1) {
      go();
    } else {
      media.addEventListener('loadedmetadata', go, { once: true });
      if (media.networkState !== HTMLMediaElement.NETWORK_LOADING) {
        media.preload = 'metadata';
        media.load();
      }
    }
    media.scrollIntoView({ block: 'nearest' });
  }

  // Times are written m:ss(.d), h:mm:ss(.d) or as plain seconds.
  function parseTime(s) {
    s = s.trim().replace('：', ':');
    if (!/^\d+(:\d{1,2}){0,2}(\.\d+)?$/.test(s)) return NaN;
    const parts = s.split(':');
    let sec = 0;
    for (const p of parts) sec = sec * 60 + Number(p);
    return Math.round(sec * 1000);
  }
  function formatTime(sec) {
    const tenths = Math.floor(sec * 10);
    const s = Math.floor(tenths / 10), h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60;
    const ss = String(s % 60).padStart(2, '0') + '.' + (tenths % 10);
    return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
  }

  // The strip's scale: the server's when it knows the media's length,
  // else the player's once it has loaded the metadata.
  const strip = $('#bm-strip');
  let scale = Number(panel.dataset.duration) || 0;
  const pct = ms => Math.min(100, ms * 100 / scale).toFixed(3) + '%';
  function place() {
    $$('.bm-marker', strip).forEach(g => {
      const from = Number(g.dataset.offset), to = Number(g.dataset.end) || from;
      $$('rect', g).forEach(r => r.setAttribute('x', pct(from)));
      const span = $('.bm-span', g);
      if (span) span.setAttribute('width', pct(to - from));
    });
  }
  if (media) {
    media.addEventListener('loadedmetadata', () => {
      if (panel.dataset.known !== 'true' && isFinite(media.duration) && media.duration > 0) {
        scale = media.duration * 1000;
        place();
      }
    });
    const head = $('#bm-playhead');
    media.addEventListener('timeupdate', () => head.setAttribute('x', pct(media.currentTime * 1000)));
  }

  function showError(form, text) {
    const el = $('.form-error', form);
    el.textContent = text;
    el.hidden = !text;
  }

  const form = $('#bm-form');
  const addBtn = $('#bm-add');
  if (addBtn && form) {
    addBtn.addEventListener('click', () => {
      form.reset();
      showError(form, '');
      // The moment is the one on screen: stop there while it is described.
      if (media) {
        media.pause();
        form.start.value = formatTime(media.currentTime);
      }
      $('#bm-dialog').showModal();
      (form.start.value ? form.kind : form.start).focus();
    });
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      showError(form, '');
      const start = parseTime(form.start.value);
      const end = form.end.value.trim() ? parseTime(form.end.value) : null;
      if (isNaN(start) || (end !== null && isNaN(end))) { showError(form, t('bm_bad_time')); return; }
      const body = { offset_ms: start, kind: form.kind.value, label: form.label.value.trim() };
      if (end !== null) body.end_ms = end;
      const btn = $('#bm-submit');
      btn.disabled = true;
      try {
        await api('POST', `/api/v1/recordings/${recording}/bookmarks`, body);
        $('#bm-dialog').close();
        toast(t('bm_added'));
        // The list and the strip are drawn by the server; come back at
        // the moment just marked.
        location.hash = 't=' + start / 1000;
        setTimeout(() => location.reload(), 400);
      } catch (e) {
        showError(form, e.message);
      } finally {
        btn.disabled = false;
      }
    });
  }

  async function remove(id) {
    if (!confirm(t('bm_confirm_remove'))) return;
    try {
      await api('DELETE', `/api/v1/recordings/${recording}/bookmarks/${id}`);
      toast(t('bm_removed'));
      setTimeout(() => location.reload(), 400);
    } catch (e) {
      toast(e.message, true);
    }
  }

  panel.addEventListener('click', ev => {
    const marker = ev.target.closest('.bm-marker, .bm-seek');
    if (marker) { seek(Number(marker.dataset.offset) / 1000); return; }
    const rm = ev.target.closest('.bm-remove');
    if (rm) remove(rm.dataset.id);
  });
  strip.addEventListener('keydown', ev => {
    const marker = ev.target.closest('.bm-marker');
    if (marker && (ev.key === 'Enter' || ev.key === ' ')) { ev.preventDefault(); seek(Number(marker.dataset.offset) / 1000); }
  });

  const m = /^#t=(\d+(?:\.\d+)?)$/.exec(location.hash);
  if (m) seek(Number(m[1]));
})();
