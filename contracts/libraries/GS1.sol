// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title GS1 identification keys
/// @notice Check-digit validation for GTIN-14 and GLN-13 numbers, and GS1 company prefixes.
/// @dev A company prefix of `L` digits (6 to 12) is written as the number `10**L + value`: a leading 1
/// followed by its digits, so leading zeros survive (prefix "0614141" is 10614141).
library GS1 {
    uint256 internal constant MIN_PREFIX_DIGITS = 6;
    uint256 internal constant MAX_PREFIX_DIGITS = 12;

    /// @notice Whether `gtin` is a GTIN-14 (GTIN-8/12/13 left-padded with zeros) with a correct check digit.
    function isValidGtin(uint64 gtin) internal pure returns (bool) {
        return gtin != 0 && gtin < 1e14 && _hasValidCheckDigit(gtin);
    }

    /// @notice Whether `gln` is a 13-digit Global Location Number with a correct check digit.
    function isValidGln(uint64 gln) internal pure returns (bool) {
        return gln != 0 && gln < 1e13 && _hasValidCheckDigit(gln);
    }

    /// @notice Number of digits of an encoded company prefix, or 0 when the encoding is invalid.
    function companyPrefixDigits(uint64 prefix) internal pure returns (uint256) {
        uint256 power = 10 ** MIN_PREFIX_DIGITS;
        for (uint256 digits = MIN_PREFIX_DIGITS; digits <= MAX_PREFIX_DIGITS; ++digits) {
            if (prefix < power) return 0;
            if (prefix < 2 * power) return digits;
            power *= 10;
        }
        return 0;
    }

    /// @notice Whether `gtin` (GTIN-14) carries the encoded company `prefix` after its indicator digit.
    function gtinHasPrefix(uint64 gtin, uint64 prefix) internal pure returns (bool) {
        uint256 digits = companyPrefixDigits(prefix);
        if (digits == 0) return false;
        uint256 scale = 10 ** digits;
        return (uint256(gtin) / 10 ** (13 - digits)) % scale == uint256(prefix) - scale;
    }

    /// @dev GS1 mod-10: from the right, data digits are weighted 3, 1, 3, ...; the check digit makes the sum
    /// a multiple of ten. Leading zeros weigh nothing, so one routine serves every key length.
    function _hasValidCheckDigit(uint256 code) private pure returns (bool) {
        uint256 check = code % 10;
        uint256 rest = code / 10;
        uint256 sum;
        uint256 weight = 3;
        while (rest != 0) {
            sum += (rest % 10) * weight;
            rest /= 10;
            weight = 4 - weight;
        }
        return (10 - (sum % 10)) % 10 == check;
    }
}
