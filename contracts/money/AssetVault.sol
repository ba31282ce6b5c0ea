// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {AllianceGated} from "../alliance/AllianceGated.sol";
import {IAssetVault} from "./IAssetVault.sol";

/// @title AssetVault
/// @notice Abstract money base: ETH and approved tokens in, credits out by pull payment, surplus sweep.
/// @dev Derived contracts take money in with {_collect} (which adds to `owed`), make owed money withdrawable with
/// {_credit}, or pay it straight to the caller with {_payOut}; they must never credit or pay out more than they
/// collected for the purpose. The guard is OpenZeppelin's transient-storage `ReentrancyGuard` (Cancun), shared by
/// every `nonReentrant` function of the derived contract.
abstract contract AssetVault is IAssetVault, AllianceGated, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @dev The ETH asset id.
    address internal constant _ETH = address(0);

    mapping(address token => bool approved) private _approvedTokens;
    mapping(address asset => uint256 amount) private _owed;
    mapping(address asset => mapping(address account => uint256 amount)) private _credits;

    /// @inheritdoc IAssetVault
    function setAssetApproved(address token, bool approved) external onlyGovernor {
        if (token == _ETH) revert VaultInvalidToken(token);
        _approvedTokens[token] = approved;
        emit AssetApproved(token, approved);
    }

    /// @inheritdoc IAssetVault
    function withdraw(address asset) external nonReentrant returns (uint256 amount) {
        amount = _credits[asset][msg.sender];
        if (amount == 0) revert VaultNothingToWithdraw(asset, msg.sender);
        _credits[asset][msg.sender] = 0;
        _payOut(asset, msg.sender, amount);
        emit Withdrawn(asset, msg.sender, amount);
    }

    /// @inheritdoc IAssetVault
    function sweepSurplus(address asset, address treasury) external nonReentrant onlyGovernor returns (uint256 amount) {
        if (treasury == address(0)) revert VaultInvalidTreasury(treasury);
        uint256 balance = _balanceOf(asset);
        uint256 owedNow = _owed[asset];
        if (balance <= owedNow) revert VaultNoSurplus(asset, balance, owedNow);
        // Checked above: balance > owedNow.
        unchecked {
            amount = balance - owedNow;
        }
        _send(asset, treasury, amount);
        emit SurplusSwept(asset, treasury, amount);
    }

    /// @inheritdoc IAssetVault
    function creditOf(address asset, address account) external view returns (uint256) {
        return _credits[asset][account];
    }

    /// @inheritdoc IAssetVault
    function owed(address asset) external view returns (uint256) {
        return _owed[asset];
    }

    /// @inheritdoc IAssetVault
    function isAssetApproved(address asset) public view returns (bool) {
        return asset == _ETH || _approvedTokens[asset];
    }

    /// @notice Takes `amount` of `asset` from `from` into the contract and adds what arrived to `owed(asset)`.
    /// @dev ETH: `msg.value` must equal `amount` (reverts {VaultWrongEthAmount}); `from` is ignored (the ETH came with
    /// the call). Token: `msg.value` must be zero (reverts {VaultWrongEthAmount}); SafeERC20 `transferFrom(from,
    /// this, amount)`; `received` is the balance change, so a fee-on-transfer token yields less than `amount`.
    /// Does not check approval (call {_requireApprovedAsset} for new commitments). Call it before crediting anything
    /// from the same money and, for tokens, from a `nonReentrant` function.
    /// @param asset `address(0)` for ETH, else the token.
    /// @param from The payer (for tokens; it must have approved this contract).
    /// @param amount The amount to take.
    /// @return received The amount that actually arrived, now part of `owed(asset)`.
    function _collect(address asset, address from, uint256 amount) internal returns (uint256 received) {
        if (asset == _ETH) {
            if (msg.value != amount) revert VaultWrongEthAmount(msg.value, amount);
            received = amount;
        } else {
            if (msg.value != 0) revert VaultWrongEthAmount(msg.value, 0);
            IERC20 token = IERC20(asset);
            uint256 before = token.balanceOf(address(this));
            token.safeTransferFrom(from, address(this), amount);
            received = token.balanceOf(address(this)) - before;
        }
        _owed[asset] += received;
    }

    /// @notice Makes `amount` of money the contract already owes in `asset` withdrawable by `account`.
    /// @dev `owed(asset)` does not change: the money moves from "held for a purpose" to "credited". A zero amount
    /// is a no-op without an event. Emits {Credited}.
    /// @param asset `address(0)` for ETH, else the token.
    /// @param account Who may withdraw it.
    /// @param amount The amount.
    function _credit(address asset, address account, uint256 amount) internal {
        if (amount == 0) return;
        _credits[asset][account] += amount;
        emit Credited(asset, account, amount);
    }

    /// @notice Pays `amount` of owed money in `asset` straight to `to` (the caller pulling its own money, e.g. a
    /// refund) and lowers `owed(asset)` by it.
    /// @dev Effects before the transfer: call it last, from a `nonReentrant` function. A zero amount sends nothing.
    /// @param asset `address(0)` for ETH, else the token.
    /// @param to The recipient (the caller of the pulling function).
    /// @param amount The amount.
    function _payOut(address asset, address to, uint256 amount) internal {
        _owed[asset] -= amount;
        if (amount != 0) _send(asset, to, amount);
    }

    /// @notice Reverts with {VaultAssetNotApproved} unless `asset` is ETH or an approved token.
    /// @param asset `address(0)` for ETH, else the token.
    function _requireApprovedAsset(address asset) internal view {
        if (!isAssetApproved(asset)) revert VaultAssetNotApproved(asset);
    }

    /// @dev Sends ETH with a plain call (reverting {VaultEthTransferFailed}) or a token with SafeERC20.
    function _send(address asset, address to, uint256 amount) private {
        if (asset == _ETH) {
            // A plain call forwarding all gas, so contract wallets can receive; the caller is nonReentrant and has
            // already written its effects.
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, ) = to.call{value: amount}("");
            if (!ok) revert VaultEthTransferFailed(to, amount);
        } else {
            IERC20(asset).safeTransfer(to, amount);
        }
    }

    /// @dev The contract's balance of `asset`.
    function _balanceOf(address asset) private view returns (uint256) {
        return asset == _ETH ? address(this).balance : IERC20(asset).balanceOf(address(this));
    }
}
