import { test } from "uvu";
import * as assert from "uvu/assert";
import { canonicalJson } from "../model/canonical-json.ts";
import { generateSigningKey, keyIdOf, signMetadata, verifyBytes } from "../model/keys.ts";
import { canonicalBytes } from "../model/canonical-json.ts";

test("canonical JSON sorts keys, drops white space and escapes only quote and backslash", () => {
  assert.is(canonicalJson({ b: 1, a: ["x\"y\\z\n", true, null] }), '{"a":["x\\"y\\\\z\n",true,null],"b":1}');
});

test("canonical JSON refuses floats and unsafe integers", () => {
  assert.throws(() => canonicalJson({ a: 1.5 }), /not a safe integer/);
  assert.throws(() => canonicalJson({ a: 2 ** 53 }), /not a safe integer/);
});

test("a signature over canonical JSON verifies and a changed field does not", () => {
  const key = generateSigningKey();
  const doc = signMetadata({ _type: "timestamp", version: 1 }, [key]);
  assert.is(doc.signatures[0]!.keyid, keyIdOf(key.publicKey));
  assert.ok(verifyBytes(key.publicKey, canonicalBytes(doc.signed), doc.signatures[0]!.sig));
  assert.not.ok(verifyBytes(key.publicKey, canonicalBytes({ ...doc.signed, version: 2 }), doc.signatures[0]!.sig));
});

test.run();
