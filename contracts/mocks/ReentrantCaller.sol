// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ReentrantCaller
/// @notice Test-only account contract: a donor or a supplier's operator account that, when it receives ETH, tries
/// once to call back into a target (e.g. `refund`, `withdraw`, `collectEarnings` again) and records what happened
/// instead of reverting, so tests can assert the re-entry was refused and by which error.
contract ReentrantCaller {
    /// @notice The call it forwarded failed; carries the revert data.
    error ReentrantCallerCallFailed(bytes returnData);

    /// @notice The contract it re-enters on receipt of ETH.
    address public reentryTarget;
    /// @notice The calldata of the re-entry (none: just accept ETH).
    bytes public reentryData;
    /// @notice Whether a re-entry was attempted.
    bool public attempted;
    /// @notice Whether the re-entry succeeded (it must not).
    bool public reentered;
    /// @notice The re-entry's revert data.
    bytes public reentryError;
    /// @notice ETH received in all.
    uint256 public totalReceived;
    /// @notice Whether it refuses ETH (to test failed transfers).
    bool public rejecting;

    /// @notice It refused ETH.
    error ReentrantCallerRejected();

    /// @notice Makes it refuse (or accept again) ETH.
    /// @param rejecting_ Whether to refuse.
    function setRejecting(bool rejecting_) external {
        rejecting = rejecting_;
    }

    /// @notice Arms the re-entry: on the next ETH it receives, it calls `target` with `data` once.
    /// @param target The contract to call back.
    /// @param data The calldata.
    function arm(address target, bytes calldata data) external {
        reentryTarget = target;
        reentryData = data;
        attempted = false;
    }

    /// @notice Forwards a call (with value) as this contract; bubbles a failure as {ReentrantCallerCallFailed}.
    /// @param to The contract called.
    /// @param data The calldata.
    /// @return result The call's return data.
    function execute(address to, bytes calldata data) external payable returns (bytes memory result) {
        bool ok;
        // solhint-disable-next-line avoid-low-level-calls
        (ok, result) = to.call{value: msg.value}(data);
        if (!ok) revert ReentrantCallerCallFailed(result);
    }

    /// @notice Accepts ETH; tries the armed re-entry once and records its outcome.
    /// @dev Complex on purpose: the re-entry is what the tests exercise.
    // solhint-disable-next-line no-complex-fallback
    receive() external payable {
        if (rejecting) revert ReentrantCallerRejected();
        totalReceived += msg.value;
        if (reentryData.length == 0 || attempted) return;
        attempted = true;
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory result) = reentryTarget.call(reentryData);
        reentered = ok;
        reentryError = result;
    }
}
