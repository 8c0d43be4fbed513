// The player: an <audio> element streaming the raw audio (the browser asks with Range, so seeking jumps
// without the whole file) and wavesurfer.js drawing its waveform over the same element.
import { useEffect, useImperativeHandle, useRef, useState } from 'preact/hooks';
import type { Ref } from 'preact';
import WaveSurfer from 'wavesurfer.js';
import { formatDuration, t } from './strings';

export interface PlayerHandle {
  toggle(): void;
  seekBy(seconds: number): void;
}

export function Player(props: { url: string; caller: string; handle?: Ref<PlayerHandle> }) {
  const audio = useRef<HTMLAudioElement>(null);
  const wave = useRef<HTMLDivElement>(null);
  const [time, setTime] = useState(0);
  const [duration, setDuration] = useState(0);

  useEffect(() => {
    const media = audio.current!;
    const ws = WaveSurfer.create({
      container: wave.current!,
      media,
      height: 64,
      waveColor: '#6b7a90',
      progressColor: '#0b5cad',
      cursorColor: '#1d2530',
      barWidth: 2,
      barGap: 1,
      dragToSeek: true,
      // voicemail is often quiet: scale the drawing to the loudest sample
      normalize: true,
    });
    const onTime = () => setTime(media.currentTime);
    const onMeta = () => setDuration(Number.isFinite(media.duration) ? media.duration : 0);
    media.addEventListener('timeupdate', onTime);
    media.addEventListener('loadedmetadata', onMeta);
    void media.play().catch(() => undefined);
    return () => {
      media.removeEventListener('timeupdate', onTime);
      media.removeEventListener('loadedmetadata', onMeta);
      ws.destroy();
    };
  }, [props.url]);

  const seekBy = (s: number) => {
    const a = audio.current!;
    a.currentTime = Math.max(0, Math.min(a.duration || 0, a.currentTime + s));
  };
  useImperativeHandle(props.handle ?? null, () => ({
    toggle: () => {
      const a = audio.current!;
      if (a.paused) void a.play();
      else a.pause();
    },
    seekBy,
  }));

  return (
    <section class="player" aria-label={t.player}>
      <p class="now" aria-live="polite">
        {t.nowPlaying(props.caller)}
      </p>
      <div
        class="wave"
        ref={wave}
        role="slider"
        tabIndex={0}
        aria-label={t.waveform}
        aria-valuemin={0}
        aria-valuemax={Math.round(duration)}
        aria-valuenow={Math.round(time)}
        aria-valuetext={`${formatDuration(time * 1000)} / ${formatDuration(duration * 1000)}`}
        onKeyDown={(e) => {
          if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
            e.preventDefault();
            e.stopPropagation();
            seekBy(e.key === 'ArrowLeft' ? -5 : 5);
          }
        }}
      />
      <audio ref={audio} src={props.url} controls preload="auto" />
    </section>
  );
}
