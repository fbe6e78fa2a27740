// gen.js writes vectors.json: RFC 8785 canonical forms computed with
// ECMAScript itself (JSON.parse, then keys sorted by UTF-16 code units and
// JSON.stringify, which is how RFC 8785 defines the serialization).
// Inputs that RFC 8785 / I-JSON reject get "error" instead: JSON.parse
// would accept them (lone surrogates, duplicate names, numbers beyond
// double precision), so they are listed by hand.
//
//   node gen.js > vectors.json
const valid = [
  '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
  '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}',
  '[0, -0, 5e-324, -5e-324, 1.7976931348623157e+308, -1.7976931348623157e+308, 9007199254740992, -9007199254740992, 295147905179352830000]',
  '[9.999999999999997e+22, 1e+23, 1.0000000000000001e+23, 999999999999999700000, 999999999999999900000, 1e+21, 9.999999999999997e-7, 0.000001]',
  '[333333333.3333332, 333333333.33333325, 333333333.3333333, 333333333.3333334, 333333333.33333343, -0.0000033333333333333333, 1424953923781206.2]',
  '[1e-7, 1e-6, 1.5e300, 4.5, 0.1, 100, 1e2, 123456789012, 1E400000000000000000000000000000000000000000000000001e-400, 2e-324, -1e-400]'.replace('1E400000000000000000000000000000000000000000000000001e-400, ', ''),
  '  {  "b" : [ 1 , { "z":null, "a" : [] } ] , "a" : { } }  ',
  '{"tên":"Nguyễn Văn A","đơn vị":"UBND tỉnh Vĩnh Phúc","ghi chú":"\\t<>&\\u2028\\u2029\\u007f"}',
  '"\\u0000\\u001f\\b\\f\\n\\r\\t\\"\\\\\\/"',
  '{"a":{"b":{"c":{"d":[[[[[]]]]]}}}}',
  '{"\\ud800\\udc00":1,"\\uffff":2,"\\ue000":3,"\\ud7ff":4}',
  '[true,false,null,"",{},[]]',
  '{"index":0,"data":{"index":7},"v":1}',
];
// Each broken input with the error it must give.
const broken = [
  ['{"a":1,"a":2}', 'duplicate member'],
  ['{"a":1,"\\u0061":2}', 'duplicate member'],
  ['"\\ud800"', 'lone surrogate'],
  ['"\\udc00\\ud800"', 'lone surrogate'],
  ['"\\ud800\\u0041"', 'lone surrogate'],
  ['1e400', 'beyond IEEE 754'],
  ['-1e309', 'beyond IEEE 754'],
  ['{"a":1} x', 'trailing data'],
  ['[1,', 'unexpected end'],
  ['[1,]', 'unexpected character'],
  ['{"a":1,}', 'member name'],
  ['{a:1}', 'member name'],
  ['01', 'trailing data'],
  ['1.', 'malformed number'],
  ['.5', 'unexpected character'],
  ['+1', 'unexpected character'],
  ['-', 'malformed number'],
  ['1e', 'malformed number'],
  ['NaN', 'unexpected character'],
  ['"\t"', 'control character'],
  ['"abc', 'unterminated string'],
  ['"\\x41"', 'invalid escape'],
  ['"\\u12G4"', 'invalid \\u escape'],
  ['"\\u12"', 'short \\u escape'],
  ['tru', 'unexpected character'],
  ['', 'unexpected end'],
  ['\ufeff{}', 'unexpected character'],
  ['[' .repeat(600) + ']'.repeat(600), 'nested deeper'],
];
function canon(v) {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return '[' + v.map(canon).join(',') + ']';
  return '{' + Object.keys(v).sort().map(k => JSON.stringify(k) + ':' + canon(v[k])).join(',') + '}';
}
const out = valid.map(s => ({in: s, out: canon(JSON.parse(s))}));
for (const [s, e] of broken) out.push({in: s, error: e});
console.log(JSON.stringify(out, null, 1));
