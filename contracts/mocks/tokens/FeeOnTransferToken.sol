// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title FeeOnTransferToken
/// @notice Test-only ERC-20 that burns a fee (in basis points) from every transfer between two accounts, so the
/// recipient gets less than the amount sent. Contracts must measure what arrived as the balance change.
contract FeeOnTransferToken is ERC20 {
    /// @notice The fee in basis points (1/10,000) of every transfer.
    uint256 public immutable feeBasisPoints;

    /// @param feeBps The fee in basis points (e.g. 100 = 1 %).
    constructor(uint256 feeBps) ERC20("Fee Token", "FEE") {
        feeBasisPoints = feeBps;
    }

    /// @notice Mints `amount` to `to` without a fee; open to anyone (test only).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @dev Transfers between accounts burn the fee; mints and burns take none.
    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) {
            super._update(from, to, value);
            return;
        }
        uint256 fee = (value * feeBasisPoints) / 10_000;
        super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}
