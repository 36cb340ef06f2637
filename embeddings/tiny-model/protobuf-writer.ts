/**
 * A minimal protocol-buffers encoder: just the wire types the ONNX messages of the tiny test model need.
 *
 * Why hand-written: protobufjs is only a transitive dependency here, and ONNX needs four wire types. The encoding
 * rules (varint = 0, 64-bit = 1, length-delimited = 2, 32-bit = 5; key = field << 3 | wire type; negative int64
 * as 10-byte two's-complement varint) are from https://protobuf.dev/programming-guides/encoding/.
 */
export class ProtobufWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  /** An int32/int64/enum/bool field (wire type 0). */
  varint(field: number, value: number | bigint): this {
    this.key(field, 0);
    this.rawVarint(BigInt(value));
    return this;
  }

  /** A UTF-8 string field (wire type 2). */
  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** A bytes field (wire type 2). */
  bytes(field: number, value: Uint8Array): this {
    this.key(field, 2);
    this.rawVarint(BigInt(value.length));
    this.push(value);
    return this;
  }

  /** An embedded message (wire type 2): the callback fills a fresh writer. */
  message(field: number, build: (writer: ProtobufWriter) => void): this {
    const inner = new ProtobufWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }

  private key(field: number, wireType: number): void {
    this.rawVarint(BigInt((field << 3) | wireType));
  }

  private rawVarint(value: bigint): void {
    // Negative values are encoded as their 64-bit two's complement (always 10 bytes), as protobuf does for int64.
    let v = value < 0n ? BigInt.asUintN(64, value) : value;
    const bytes: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      bytes.push(byte);
    } while (v !== 0n);
    this.push(Uint8Array.from(bytes));
  }

  private push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }
}
