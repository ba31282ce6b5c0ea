/** GS1 identification keys, mirroring contracts/libraries/GS1.sol. */

/** The GS1 mod-10 check digit of a string of data digits. */
export function checkDigit(dataDigits: string): number {
  if (!/^\d+$/.test(dataDigits)) throw new Error(`not a string of digits: "${dataDigits}"`);
  let sum = 0;
  let weight = 3;
  for (let i = dataDigits.length - 1; i >= 0; i--) {
    sum += Number(dataDigits[i]) * weight;
    weight = 4 - weight;
  }
  return (10 - (sum % 10)) % 10;
}

/** A GTIN-14 as the contracts take it, from its 13 data digits (indicator, company prefix, item reference). */
export function gtin(dataDigits13: string): bigint {
  if (dataDigits13.length !== 13) throw new Error(`a GTIN-14 has 13 data digits, got "${dataDigits13}"`);
  return BigInt(dataDigits13 + checkDigit(dataDigits13));
}

/** A GLN as the contracts take it, from its 12 data digits. */
export function gln(dataDigits12: string): bigint {
  if (dataDigits12.length !== 12) throw new Error(`a GLN has 12 data digits, got "${dataDigits12}"`);
  return BigInt(dataDigits12 + checkDigit(dataDigits12));
}

/** An encoded GS1 company prefix: a leading 1 followed by its 6 to 12 digits ("0614141" is 10614141). */
export function companyPrefix(digits: string): bigint {
  if (!/^\d{6,12}$/.test(digits)) throw new Error(`a company prefix has 6 to 12 digits, got "${digits}"`);
  return BigInt("1" + digits);
}

/** The digits of an encoded company prefix. */
export function companyPrefixDigits(encoded: bigint): string {
  return encoded.toString().slice(1);
}

/** A GTIN as people read it: all 14 digits, leading zeros included. */
export function formatGtin(code: bigint): string {
  return code.toString().padStart(14, "0");
}
