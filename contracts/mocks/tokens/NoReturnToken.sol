// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title NoReturnToken
/// @notice Test-only token in the style of early USDT: `transfer`, `transferFrom` and `approve` return nothing and
/// revert on failure. SafeERC20 must cope with it.
contract NoReturnToken {
    /// @notice ERC-20 transfer event.
    event Transfer(address indexed from, address indexed to, uint256 value);
    /// @notice ERC-20 approval event.
    event Approval(address indexed owner, address indexed spender, uint256 value);

    /// @notice The balance is too small.
    error NoReturnTokenInsufficientBalance(address account, uint256 balance, uint256 needed);
    /// @notice The allowance is too small.
    error NoReturnTokenInsufficientAllowance(address owner, address spender, uint256 allowance, uint256 needed);

    /// @notice Token name.
    // solhint-disable-next-line const-name-snakecase
    string public constant name = "No Return Token";
    /// @notice Token symbol.
    // solhint-disable-next-line const-name-snakecase
    string public constant symbol = "NRT";
    /// @notice Decimals.
    // solhint-disable-next-line const-name-snakecase
    uint8 public constant decimals = 6;
    /// @notice Total supply.
    uint256 public totalSupply;
    /// @notice Balances.
    mapping(address account => uint256 amount) public balanceOf;
    /// @notice Allowances.
    mapping(address owner => mapping(address spender => uint256 amount)) public allowance;

    /// @notice Mints `amount` to `to`; open to anyone (test only).
    function mint(address to, uint256 amount) external {
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    /// @notice Approves `spender`; returns nothing.
    function approve(address spender, uint256 amount) external {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
    }

    /// @notice Transfers; returns nothing.
    function transfer(address to, uint256 amount) external {
        _move(msg.sender, to, amount);
    }

    /// @notice Transfers from `from` with an allowance; returns nothing.
    function transferFrom(address from, address to, uint256 amount) external {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed < amount) revert NoReturnTokenInsufficientAllowance(from, msg.sender, allowed, amount);
        allowance[from][msg.sender] = allowed - amount;
        _move(from, to, amount);
    }

    function _move(address from, address to, uint256 amount) private {
        uint256 balance = balanceOf[from];
        if (balance < amount) revert NoReturnTokenInsufficientBalance(from, balance, amount);
        balanceOf[from] = balance - amount;
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
    }
}
