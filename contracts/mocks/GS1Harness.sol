// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {GS1} from "../libraries/GS1.sol";

/// @notice Test-only contract exposing the GS1 library's internal functions.
contract GS1Harness {
    /// @notice See {GS1-isValidGtin}.
    function isValidGtin(uint64 gtin) external pure returns (bool) {
        return GS1.isValidGtin(gtin);
    }

    /// @notice See {GS1-isValidGln}.
    function isValidGln(uint64 gln) external pure returns (bool) {
        return GS1.isValidGln(gln);
    }

    /// @notice See {GS1-companyPrefixDigits}.
    function companyPrefixDigits(uint64 prefix) external pure returns (uint256) {
        return GS1.companyPrefixDigits(prefix);
    }

    /// @notice See {GS1-gtinHasPrefix}.
    function gtinHasPrefix(uint64 gtin, uint64 prefix) external pure returns (bool) {
        return GS1.gtinHasPrefix(gtin, prefix);
    }
}
