// Test audio for the benchmarks: a WAV or an Ogg Opus stream of any length (libs/testing's) and the Kazoo
// multipart/mixed body.
'use strict';
const { randomBytes } = require('node:crypto');
const { testingLib } = require('../scripts/lib/workspace');

/** The same WAV the tests use (libs/testing's, read when called: the bench builds it first). */
const wavFile = (seconds, sampleRate) => testingLib().wavFile(seconds, sampleRate);
/** An Ogg Opus stream of empty (DTX) frames, as a VoicemailServer records (libs/testing's). */
const opusFile = (seconds) => testingLib().opusFile(seconds);

function multipartMixed(json, audio) {
  const boundary = `----voxmailbench${randomBytes(8).toString('hex')}`;
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="content"; filename="message.json"\r\nContent-Type: application/json\r\n\r\n`,
    ),
    Buffer.from(JSON.stringify(json)),
    Buffer.from(
      `\r\n--${boundary}\r\nContent-Disposition: form-data; name="content"; filename="voice.wav"\r\nContent-Type: audio/wav\r\n\r\n`,
    ),
    audio,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { contentType: `multipart/mixed; boundary=${boundary}`, body };
}

module.exports = { wavFile, opusFile, multipartMixed };
