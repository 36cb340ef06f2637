/**
 * Encodes a small ONNX model (ModelProto) from a plain description, enough for the tiny test model.
 *
 * Field numbers are those of onnx/onnx.proto (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto):
 * ModelProto { ir_version 1, producer_name 2, producer_version 3, graph 7, opset_import 8 },
 * OperatorSetIdProto { domain 1, version 2 }, GraphProto { node 1, name 2, initializer 5, input 11, output 12 },
 * NodeProto { input 1, output 2, name 3, op_type 4, attribute 5 }, AttributeProto { name 1, i 3, ints 8, type 20 },
 * TensorProto { dims 1, data_type 2, name 8, raw_data 9 }, ValueInfoProto { name 1, type 2 },
 * TypeProto { tensor_type 1 }, TypeProto.Tensor { elem_type 1, shape 2 }, TensorShapeProto { dim 1 },
 * Dimension { dim_value 1, dim_param 2 }.
 */
import { ProtobufWriter } from './protobuf-writer.ts';

/** TensorProto.DataType values used here. */
export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;
/** AttributeProto.AttributeType values used here. */
const ATTRIBUTE_INT = 2;

export interface OnnxTensor {
  name: string;
  dims: number[];
  data: Float32Array | BigInt64Array;
}

export interface OnnxValueInfo {
  name: string;
  elemType: number;
  /** A number is a fixed size; a string is a symbolic (dynamic) dimension such as `batch_size`. */
  shape: (number | string)[];
}

export interface OnnxNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  intAttributes?: Record<string, number>;
}

export interface OnnxModel {
  /** IR version 8 is understood by every onnxruntime since 1.14. */
  irVersion: number;
  opsetVersion: number;
  graphName: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  return new ProtobufWriter()
    .varint(1, model.irVersion)
    .string(2, 'llm-chat-gateway tiny-model generator')
    .string(3, '1')
    .message(7, (graph) => {
      for (const node of model.nodes) graph.message(1, (w) => writeNode(w, node));
      graph.string(2, model.graphName);
      for (const tensor of model.initializers) graph.message(5, (w) => writeTensor(w, tensor));
      for (const input of model.inputs) graph.message(11, (w) => writeValueInfo(w, input));
      for (const output of model.outputs) graph.message(12, (w) => writeValueInfo(w, output));
    })
    .message(8, (opset) => opset.string(1, '').varint(2, model.opsetVersion))
    .finish();
}

function writeNode(w: ProtobufWriter, node: OnnxNode): void {
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  if (node.name) w.string(3, node.name);
  w.string(4, node.opType);
  for (const [name, value] of Object.entries(node.intAttributes ?? {})) {
    w.message(5, (a) => a.string(1, name).varint(3, value).varint(20, ATTRIBUTE_INT));
  }
}

function writeTensor(w: ProtobufWriter, tensor: OnnxTensor): void {
  // `repeated int64 dims` is unpacked in proto2; parsers accept both forms, unpacked is the conservative choice.
  for (const dim of tensor.dims) w.varint(1, dim);
  w.varint(2, tensor.data instanceof Float32Array ? ONNX_FLOAT : ONNX_INT64);
  w.string(8, tensor.name);
  w.bytes(9, littleEndianBytes(tensor.data));
}

function writeValueInfo(w: ProtobufWriter, info: OnnxValueInfo): void {
  w.string(1, info.name);
  w.message(2, (type) =>
    type.message(1, (tensorType) => {
      tensorType.varint(1, info.elemType);
      tensorType.message(2, (shape) => {
        for (const dim of info.shape) {
          shape.message(1, (d) => (typeof dim === 'number' ? d.varint(1, dim) : d.string(2, dim)));
        }
      });
    }),
  );
}

/** raw_data MUST be fixed-width little-endian (onnx.proto, TensorProto.raw_data), whatever the host order. */
function littleEndianBytes(data: Float32Array | BigInt64Array): Uint8Array {
  const view = new DataView(new ArrayBuffer(data.length * (data instanceof Float32Array ? 4 : 8)));
  data.forEach((value: number | bigint, i: number) => {
    if (typeof value === 'bigint') view.setBigInt64(i * 8, value, true);
    else view.setFloat32(i * 4, value, true);
  });
  return new Uint8Array(view.buffer);
}
