// audio-type ships no types: its default export names the audio format of a buffer by its signature.
declare module 'audio-type' {
  export default function audioType(bytes: Uint8Array): string | undefined;
}
