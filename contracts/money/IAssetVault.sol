// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Asset vault
/// @notice The money base shared by MedAlliance contracts that hold funds (the donation escrow, supply agreements):
/// ETH (asset `address(0)`) and governor-approved ERC-20 tokens, pull payments only, and the invariant that the
/// contract's balance of every asset is at least what it owes (`owed(asset)`); any surplus (forced ETH, stray
/// transfers) can be swept by the governor to a treasury, never what is owed.
/// @dev Accounting model. `owed(asset)` counts every unit the contract has collected and not yet paid out: money
/// still held for a purpose (escrowed) plus money already credited to an account for withdrawal. Crediting moves
/// owed money into an account's withdrawable credit without changing `owed`; a withdrawal pays the credit out and
/// lowers `owed` by the same amount. Incoming token amounts are measured as the balance change (fee-on-transfer
/// safe). Tokens whose balances change without transfers (rebasing) are not supported and must not be approved.
interface IAssetVault {
    /// @notice The governor approved or withdrew approval of `token` for new commitments. ETH is always approved.
    event AssetApproved(address indexed token, bool approved);
    /// @notice `amount` of `asset` owed by the contract became withdrawable by `account`.
    event Credited(address indexed asset, address indexed account, uint256 amount);
    /// @notice `account` withdrew its whole credit of `asset`, `amount`.
    event Withdrawn(address indexed asset, address indexed account, uint256 amount);
    /// @notice The governor sent the surplus of `asset` (balance minus owed), `amount`, to `treasury`.
    event SurplusSwept(address indexed asset, address indexed treasury, uint256 amount);

    /// @notice `asset` is neither ETH nor a governor-approved token.
    error VaultAssetNotApproved(address asset);
    /// @notice ETH (`address(0)`) cannot be approved or unapproved: it is always accepted.
    error VaultInvalidToken(address token);
    /// @notice The ETH sent with the call differs from the amount the call commits.
    error VaultWrongEthAmount(uint256 sent, uint256 expected);
    /// @notice `account` has no credit of `asset` to withdraw.
    error VaultNothingToWithdraw(address asset, address account);
    /// @notice Sending ETH to `to` failed.
    error VaultEthTransferFailed(address to, uint256 amount);
    /// @notice The treasury address is zero.
    error VaultInvalidTreasury(address treasury);
    /// @notice The contract holds no more of `asset` than it owes: `balance` ≤ `owed`.
    error VaultNoSurplus(address asset, uint256 balance, uint256 owed);

    /// @notice The governor approves or withdraws approval of an ERC-20 token for new commitments (needs, gifts,
    /// collateral). Withdrawing approval never blocks what is already held: performance, refunds and withdrawals of
    /// that token go on.
    /// @dev Requirements: caller is the governor; `token` is not `address(0)`. Emits {AssetApproved}.
    /// @param token The ERC-20 token.
    /// @param approved Whether new commitments may use it.
    function setAssetApproved(address token, bool approved) external;

    /// @notice The caller withdraws its whole credit of `asset` (a pull payment). Open to anyone with a credit, at
    /// any time: while the alliance is paused, and whatever the caller's standing (suspended, expired, never a member).
    /// @dev Requirements: the caller has a non-zero credit of `asset`; for ETH the caller accepts the transfer.
    /// Non-reentrant; the credit and `owed` fall before the transfer. Emits {Withdrawn}.
    /// @param asset `address(0)` for ETH, else the token.
    /// @return amount The amount sent to the caller (a fee-on-transfer token may deliver less).
    function withdraw(address asset) external returns (uint256 amount);

    /// @notice The governor sends the surplus of `asset`, the contract's balance minus `owed(asset)`, to a treasury.
    /// @dev Requirements: caller is the governor; non-zero `treasury`; a surplus exists. Non-reentrant.
    /// Emits {SurplusSwept}.
    /// @param asset `address(0)` for ETH, else any token (approved or not: stray transfers can be swept).
    /// @param treasury Where the surplus goes.
    /// @return amount The surplus sent.
    function sweepSurplus(address asset, address treasury) external returns (uint256 amount);

    /// @notice What `account` can withdraw of `asset` now.
    /// @param asset `address(0)` for ETH, else the token.
    /// @param account The account.
    function creditOf(address asset, address account) external view returns (uint256);

    /// @notice Everything the contract owes in `asset`: funds held for a purpose plus credits not yet withdrawn.
    /// Invariant: the contract's balance of `asset` is at least this.
    /// @param asset `address(0)` for ETH, else the token.
    function owed(address asset) external view returns (uint256);

    /// @notice Whether new commitments may use `asset` (always true for ETH, `address(0)`).
    /// @param asset `address(0)` for ETH, else the token.
    function isAssetApproved(address asset) external view returns (bool);
}
