// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice The few Foundry cheatcodes these tests use (forge-std is not available offline).
/// @dev The cheatcode contract lives at `address(uint160(uint256(keccak256("hevm cheat code"))))`,
/// 0x7109709ECfa91a80626fF3989D68f67F5b1DD12D. Signatures must match Foundry's exactly. Named `Vm` as in every
/// Foundry project, rather than `IVm`.
// solhint-disable-next-line interface-starts-with-i
interface Vm {
    /// @notice A log captured by {recordLogs}.
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    /// @notice The next call (only) is made with `msg.sender` set to `sender`.
    function prank(address sender) external;

    /// @notice Every following call is made with `msg.sender` set to `sender` until {stopPrank}.
    function startPrank(address sender) external;

    /// @notice Ends a {startPrank}.
    function stopPrank() external;

    /// @notice Sets `block.timestamp`.
    function warp(uint256 timestamp) external;

    /// @notice Discards the current fuzz input when `condition` is false.
    function assume(bool condition) external;

    /// @notice The next call must revert with this custom-error selector (any arguments).
    function expectRevert(bytes4 revertData) external;

    /// @notice The next call must revert with exactly this data.
    function expectRevert(bytes calldata revertData) external;

    /// @notice Starts capturing emitted logs (clears logs captured earlier).
    function recordLogs() external;

    /// @notice The logs captured since {recordLogs}, which it clears.
    function getRecordedLogs() external returns (Log[] memory logs);

    /// @notice Names an address in traces.
    function label(address account, string calldata newLabel) external;
}
