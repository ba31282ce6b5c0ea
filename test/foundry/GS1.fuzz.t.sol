// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// Foundry finds tests by their `test_`/`invariant_` prefix and names read as sentences (test_subject_behaviour);
// assertion messages are longer than 32 bytes on purpose.
// solhint-disable func-name-mixedcase, gas-small-strings

import {GS1} from "../../contracts/libraries/GS1.sol";
import {Test} from "./utils/Test.sol";

/// @notice Fuzz tests of the GS1 library against references written the way the GS1 General Specifications
/// state the rules: on decimal digit strings, weights counted from the left, prefixes compared character by
/// character. The library computes on numbers (weights from the right, division and modulo), so the two
/// formulations check each other.
contract GS1FuzzTest is Test {
    uint256 private constant GTIN_DATA_DIGITS = 13; // GTIN-14 without its check digit
    uint256 private constant GLN_DATA_DIGITS = 12; // GLN-13 without its check digit

    // ================================================================== check digits

    /// @notice Any 13 data digits (leading zeros allowed, so GTIN-8/12/13 padded to 14 are included) followed by the
    /// check digit computed here form a valid GTIN-14; each of the nine other last digits makes it invalid.
    function test_isValidGtin_acceptsExactlyTheComputedCheckDigit(uint64 data) public pure {
        data = uint64(bound(data, 0, 10 ** GTIN_DATA_DIGITS - 1));
        uint64 check = _checkDigitFromLeft(_digits(data, GTIN_DATA_DIGITS), true);
        for (uint64 last; last < 10; ++last) {
            uint64 gtin = data * 10 + last;
            // The all-zero code is not a GTIN, even though its check digit is right.
            bool valid = last == check && gtin != 0;
            assertEq(GS1.isValidGtin(gtin), valid, "GTIN-14 valid iff its last digit is the check digit");
        }
    }

    /// @notice Any 12 data digits followed by the check digit computed here form a valid GLN-13; each other last
    /// digit makes it invalid.
    function test_isValidGln_acceptsExactlyTheComputedCheckDigit(uint64 data) public pure {
        data = uint64(bound(data, 0, 10 ** GLN_DATA_DIGITS - 1));
        uint64 check = _checkDigitFromLeft(_digits(data, GLN_DATA_DIGITS), false);
        for (uint64 last; last < 10; ++last) {
            uint64 gln = data * 10 + last;
            bool valid = last == check && gln != 0;
            assertEq(GS1.isValidGln(gln), valid, "GLN-13 valid iff its last digit is the check digit");
        }
    }

    /// @notice Codes longer than the key (15+ digits for a GTIN, 14+ for a GLN) are never valid, whatever their
    /// digits.
    function test_isValid_rejectsCodesLongerThanTheKey(uint64 code) public pure {
        if (code >= 1e14) assertFalse(GS1.isValidGtin(code), "a 15-digit number is not a GTIN-14");
        if (code >= 1e13) assertFalse(GS1.isValidGln(code), "a 14-digit number is not a GLN-13");
    }

    /// @notice Published codes anchor the references: UPC-A 036000291452 and EAN-13 4006381333931 as GTIN-14s.
    function test_isValidGtin_acceptsPublishedExamples() public pure {
        assertTrue(GS1.isValidGtin(36_000_291_452), "UPC-A 036000291452");
        assertTrue(GS1.isValidGtin(4_006_381_333_931), "EAN-13 4006381333931");
        assertEq(_checkDigitFromLeft(_digits(3_600_029_145, GTIN_DATA_DIGITS), true), 2, "reference on UPC-A");
        assertEq(_checkDigitFromLeft(_digits(400_638_133_393, GTIN_DATA_DIGITS), true), 1, "reference on EAN-13");
        assertFalse(GS1.isValidGtin(4_006_381_333_932), "EAN-13 with a wrong check digit");
    }

    // ================================================================== company prefixes

    /// @notice A company prefix of 6 to 12 digits (leading zeros included) encodes as `10**digits + value`, decodes
    /// to the same digit count and value, and re-encodes from its digit string to the same number.
    function test_companyPrefix_roundTripsSixToTwelveDigits(uint8 digits, uint64 value) public pure {
        digits = uint8(bound(digits, GS1.MIN_PREFIX_DIGITS, GS1.MAX_PREFIX_DIGITS));
        value = uint64(bound(value, 0, 10 ** digits - 1));
        uint64 encoded = uint64(10 ** digits) + value;
        assertEq(GS1.companyPrefixDigits(encoded), digits, "the encoding keeps the digit count");
        assertEq(encoded - 10 ** digits, value, "the encoding keeps the value");
        assertEq(_encodePrefix(_digits(value, digits)), encoded, "the digit string encodes to the same number");
    }

    /// @notice Exactly the numbers written "1" followed by 6 to 12 digits are valid encodings; the library's digit
    /// count equals the length of that tail.
    function test_companyPrefixDigits_agreesWithTheDecimalString(uint64 prefix) public pure {
        (bool valid, bytes memory digitString) = _decodePrefix(prefix);
        assertEq(GS1.companyPrefixDigits(prefix), valid ? digitString.length : 0, "digit count of an encoded prefix");
    }

    /// @notice `gtinHasPrefix` says yes exactly when the GTIN-14's digits after the indicator digit start with the
    /// prefix's digits. Half the cases plant the prefix into the GTIN so that matches are common.
    function test_gtinHasPrefix_agreesWithDigitStrings(
        uint64 gtin,
        uint8 digits,
        uint64 value,
        bool plant,
        bool validEncoding
    ) public pure {
        gtin = uint64(bound(gtin, 0, 1e14 - 1));
        digits = uint8(bound(digits, GS1.MIN_PREFIX_DIGITS, GS1.MAX_PREFIX_DIGITS));
        value = uint64(bound(value, 0, 10 ** digits - 1));
        uint64 prefix = uint64(10 ** digits) + value;
        if (plant) {
            // Replace digits 2..(1 + digits) of the GTIN-14 (after the indicator) by the prefix's digits.
            uint64 scale = uint64(10 ** (GTIN_DATA_DIGITS - digits));
            uint64 head = (gtin / 1e13) * 1e13;
            gtin = head + value * scale + (gtin % scale);
        }
        // A bare value (no leading 1) is usually no encoded prefix, or the encoding of a shorter one.
        if (!validEncoding) prefix = value;
        (bool valid, bytes memory prefixDigits) = _decodePrefix(prefix);
        bytes memory afterIndicator = _slice(_digits(gtin, 14), 1, 14);
        bool expected = valid && _startsWith(afterIndicator, prefixDigits);
        assertEq(GS1.gtinHasPrefix(gtin, prefix), expected, "gtinHasPrefix agrees with the digit strings");
        if (plant && validEncoding) assertTrue(GS1.gtinHasPrefix(gtin, prefix), "a planted prefix is found");
    }

    // ================================================================== references on digit strings

    /// @dev GS1 General Specifications, check digit calculation: number the data positions from the left; in a
    /// GTIN-14 odd positions weigh 3, in a GLN-13 even positions weigh 3 (the rightmost data digit always weighs 3).
    function _checkDigitFromLeft(bytes memory data, bool oddWeighsThree) private pure returns (uint64) {
        uint256 sum;
        for (uint256 i; i < data.length; ++i) {
            uint256 digit = uint8(data[i]) - uint8(bytes1("0"));
            bool odd = (i + 1) % 2 == 1;
            sum += digit * (odd == oddWeighsThree ? 3 : 1);
        }
        // The check digit rounds the sum up to the next multiple of ten.
        uint256 roundedUp = ((sum + 9) / 10) * 10;
        return uint64(roundedUp - sum);
    }

    /// @dev The prefix encoding applied to its digit string: a leading "1" followed by the digits, read as a number.
    function _encodePrefix(bytes memory digitString) private pure returns (uint64 encoded) {
        encoded = 1;
        for (uint256 i; i < digitString.length; ++i) {
            encoded = encoded * 10 + (uint8(digitString[i]) - uint8(bytes1("0")));
        }
    }

    /// @dev The digits of an encoded prefix: its decimal string must be "1" followed by 6 to 12 digits.
    function _decodePrefix(uint64 prefix) private pure returns (bool valid, bytes memory digitString) {
        bytes memory text = _decimal(prefix);
        uint256 length = text.length - 1;
        valid = text[0] == "1" && length >= GS1.MIN_PREFIX_DIGITS && length <= GS1.MAX_PREFIX_DIGITS;
        digitString = _slice(text, 1, text.length);
    }

    /// @dev `value` as exactly `length` decimal digits, left-padded with zeros.
    function _digits(uint256 value, uint256 length) private pure returns (bytes memory text) {
        text = new bytes(length);
        for (uint256 i = length; i > 0; --i) {
            text[i - 1] = bytes1(uint8(bytes1("0")) + uint8(value % 10));
            value /= 10;
        }
    }

    /// @dev `value` in decimal without padding ("0" for zero).
    function _decimal(uint256 value) private pure returns (bytes memory) {
        uint256 length = 1;
        for (uint256 rest = value / 10; rest != 0; rest /= 10) ++length;
        return _digits(value, length);
    }

    function _slice(bytes memory text, uint256 from, uint256 to) private pure returns (bytes memory part) {
        part = new bytes(to - from);
        for (uint256 i = from; i < to; ++i) part[i - from] = text[i];
    }

    function _startsWith(bytes memory text, bytes memory start) private pure returns (bool) {
        if (start.length > text.length) return false;
        for (uint256 i; i < start.length; ++i) {
            if (text[i] != start[i]) return false;
        }
        return true;
    }
}
