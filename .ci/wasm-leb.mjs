// Reads an unsigned LEB128 number (how the WASM binary format writes sizes and counts) at
// `at`: [the number, where the bytes after it start]. Shared by the build's WASM steps.
export const leb = (bytes, at) => {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, at];
  }
};
