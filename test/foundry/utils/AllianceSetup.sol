// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AllianceRegistry} from "../../../contracts/alliance/AllianceRegistry.sol";
import {BusinessRole} from "../../../contracts/alliance/AllianceTypes.sol";
import {BatchLedger} from "../../../contracts/trace/BatchLedger.sol";
import {IProductCatalog} from "../../../contracts/trace/IProductCatalog.sol";
import {ProductCatalog} from "../../../contracts/trace/ProductCatalog.sol";
import {Category, DeviceClass} from "../../../contracts/trace/TraceTypes.sol";
import {Test} from "./Test.sol";

/// @notice The alliance set-up the invariant campaigns share: a registry deployed at a fixed time with a seated
/// regulator, organisations admitted by that regulator, products proposed by a maker and approved, and GLNs with
/// their GS1 check digit. Tests inherit it instead of `Test` and keep their own scenario.
abstract contract AllianceSetup is Test {
    /// @notice The company prefix "0614141" every maker in these campaigns owns.
    uint64 internal constant PREFIX = 10_614_141;
    /// @notice When every campaign starts.
    uint256 internal constant START_TIME = 1_700_000_000;

    AllianceRegistry internal registry;

    /// @dev Warps to `START_TIME` and deploys the registry governed by `governor` (one-day governance delay).
    function _deployRegistry(address governor) internal {
        vm.warp(START_TIME);
        registry = new AllianceRegistry(governor, 1 days);
    }

    /// @dev As `_deployRegistry(governor)`, then the governor seats `regulator`, who alone admits members.
    function _deployRegistry(address governor, address regulator) internal {
        _deployRegistry(governor);
        bytes32 regulatorRole = registry.REGULATOR_ROLE();
        vm.prank(governor);
        registry.grantRole(regulatorRole, regulator);
    }

    /// @dev Deploys the product catalog (hold periods per category: 7, 7, 14, 3 and 2 days) and the batch ledger
    /// (correction window one hour, receipt window two days) on the registry.
    function _deployTrace() internal returns (ProductCatalog catalog, BatchLedger ledger) {
        catalog = new ProductCatalog(registry, [uint32(7 days), 7 days, 14 days, 3 days, 2 days]);
        ledger = new BatchLedger(registry, catalog, uint32(1 hours), uint32(2 days));
    }

    /// @dev `admin` registers organisation `name` applying for `role` and `prefixes` (licence hash keccak256(name),
    /// valid twenty years); `regulator` approves the application.
    function _admit(
        address admin,
        address regulator,
        string memory name,
        BusinessRole role,
        uint64[] memory prefixes
    ) internal returns (uint32 orgId) {
        bytes32 applicationId;
        vm.prank(admin);
        (orgId, applicationId) = registry.registerOrganisation(
            keccak256(bytes(name)),
            "ipfs://licence",
            uint40(block.timestamp + 20 * 365 days),
            name,
            role,
            prefixes
        );
        vm.prank(regulator);
        registry.approveApplication(applicationId, prefixes);
    }

    /// @dev `_admit` without company prefixes.
    function _admit(
        address admin,
        address regulator,
        string memory name,
        BusinessRole role
    ) internal returns (uint32 orgId) {
        return _admit(admin, regulator, name, role, new uint64[](0));
    }

    /// @dev The one-element prefix list [`PREFIX`].
    function _makerPrefixes() internal pure returns (uint64[] memory prefixes) {
        prefixes = new uint64[](1);
        prefixes[0] = PREFIX;
    }

    /// @dev `maker` proposes product `gtin` under `PREFIX` (50 each, -20.0 to 40.0 °C, holding `holdPeriod`, spec
    /// `specHash`) and `regulator` approves it with `certificate` and the proposed hold period.
    function _approveProduct(
        ProductCatalog catalog,
        address maker,
        address regulator,
        uint64 gtin,
        Category category,
        uint32 holdPeriod,
        bytes32 specHash,
        bytes32 certificate
    ) internal {
        vm.prank(maker);
        catalog.proposeProduct(
            IProductCatalog.ProductSpec({
                gtin: gtin,
                companyPrefix: PREFIX,
                category: category,
                deviceClass: DeviceClass.None,
                unitOfMeasure: "EA",
                packSize: 50,
                minTemperature: -200,
                maxTemperature: 400,
                proposedHoldPeriod: holdPeriod,
                specHash: specHash,
                specURI: "ipfs://spec"
            })
        );
        vm.prank(regulator);
        catalog.approveProduct(gtin, certificate, holdPeriod);
    }

    /// @dev The 13-digit GLN: the 12 digits of `base` (leading zeros implied) followed by the GS1 mod-10 check digit.
    function _withCheckDigit(uint64 base) internal pure returns (uint64) {
        uint64 sum;
        uint64 rest = base;
        for (uint256 i; i < 12; ++i) {
            sum += (rest % 10) * (i % 2 == 0 ? 3 : 1);
            rest /= 10;
        }
        return base * 10 + ((10 - (sum % 10)) % 10);
    }
}
