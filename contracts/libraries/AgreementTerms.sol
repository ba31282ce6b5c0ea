// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ISupplyAgreements} from "../money/ISupplyAgreements.sol";

/// @title AgreementTerms
/// @notice The pure arithmetic of supply agreements: value, collateral floor, late and defect penalties.
/// @dev Every started penalty period counts in full; all divisions round down, so rounding favours the party paying
/// the penalty (the rest stays in its collateral and goes back to it).
library AgreementTerms {
    /// @notice Basis points in one whole.
    uint256 internal constant BPS = 10_000;

    /// @notice The value of `quantity` units at the agreed unit price.
    function valueOf(ISupplyAgreements.Terms calldata terms, uint256 quantity) internal pure returns (uint256) {
        return quantity * terms.unitPrice;
    }

    /// @notice The cap on one party's late penalties: `penaltyCapBps` of the agreement's value.
    function lateCap(ISupplyAgreements.Terms calldata terms) internal pure returns (uint256) {
        return (valueOf(terms, terms.quantity) * terms.penaltyCapBps) / BPS;
    }

    /// @notice The defect penalty on `quantity` rejected units: `defectBps` of their value.
    function defectPenalty(ISupplyAgreements.Terms calldata terms, uint256 quantity) internal pure returns (uint256) {
        return (valueOf(terms, quantity) * terms.defectBps) / BPS;
    }

    /// @notice The most one party could be charged, hence its collateral floor: the late cap plus the defect
    /// penalty on the full quantity.
    function minimumCollateral(ISupplyAgreements.Terms calldata terms) internal pure returns (uint256) {
        return lateCap(terms) + defectPenalty(terms, terms.quantity);
    }

    /// @notice Started penalty periods in `secondsLate` seconds (zero when not late).
    function startedPeriods(uint256 secondsLate, uint256 period) internal pure returns (uint256) {
        // period > 0 (checked when proposed); secondsLate + period - 1 cannot overflow for 32-bit times and periods.
        unchecked {
            return (secondsLate + period - 1) / period;
        }
    }

    /// @notice The late penalty on `quantity` units `secondsLate` seconds late, before the cap.
    function latePenalty(
        ISupplyAgreements.Terms calldata terms,
        uint256 quantity,
        uint256 secondsLate
    ) internal pure returns (uint256) {
        if (secondsLate == 0) return 0;
        return (valueOf(terms, quantity) * startedPeriods(secondsLate, terms.penaltyPeriod) * terms.penaltyBps) / BPS;
    }

    /// @notice `accrued + added`, never above the late cap.
    function capped(
        ISupplyAgreements.Terms calldata terms,
        uint256 accrued,
        uint256 added
    ) internal pure returns (uint128) {
        uint256 total = accrued + added;
        uint256 cap = lateCap(terms);
        // The cap is at most the agreement's value, which fits in 128 bits (checked when proposed).
        return uint128(total < cap ? total : cap);
    }

    /// @notice Seconds `time` is past `deadline` (zero when not past).
    function lateness(uint256 time, uint256 deadline) internal pure returns (uint256) {
        // Checked: time > deadline.
        unchecked {
            return time > deadline ? time - deadline : 0;
        }
    }
}
