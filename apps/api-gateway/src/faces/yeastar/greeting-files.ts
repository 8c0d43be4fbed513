// What a greeting file name may be on the Yeastar face: the base name of what the client sent, with one
// of the document's extensions; nothing of a client's path reaches storage (keys are ids, never names).
import { AudioFormat, MAX_MEDIA_NAME, MEDIA_NAME } from '@voxmail/contracts';

/** The document's formats: ".wav", ".mp3" or ".gsm" only. */
const GREETING_EXTENSIONS: Record<string, AudioFormat> = { wav: 'wav', mp3: 'mp3', gsm: 'gsm' };

export type FileNameCheck =
  { ok: true; name: string; format: AudioFormat } | { ok: false; reason: 'missing' | 'invalid' | 'format' };

/**
 * `/D:/greeting/group_vm_welome2.wav` → `group_vm_welome2.wav`: the last segment of a Windows or Unix
 * path. Refused: an empty, `.`/`..`, over-long name or one with control characters; a name without one of
 * the three extensions is a format refusal.
 */
export function greetingFileName(sent: string | undefined): FileNameCheck {
  if (sent === undefined || sent === '') return { ok: false, reason: 'missing' };
  const base = sent.split(/[/\\]/).pop() ?? '';
  if (!base || base.length > MAX_MEDIA_NAME || !MEDIA_NAME.test(base) || /^\.+$/.test(base))
    return { ok: false, reason: 'invalid' };
  const ext = /\.([A-Za-z0-9]{1,8})$/.exec(base)?.[1]?.toLowerCase();
  const format = ext ? GREETING_EXTENSIONS[ext] : undefined;
  if (!format) return { ok: false, reason: 'format' };
  return { ok: true, name: base, format };
}
