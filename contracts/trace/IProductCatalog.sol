// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Category, DeviceClass, ProductStatus} from "./TraceTypes.sol";

/// @title The MedAlliance product catalog
/// @notice "One thing, one code": every product a maker supplies, by GTIN, with what a regulator approved.
interface IProductCatalog {
    /// @notice What a maker proposes.
    struct ProductSpec {
        uint64 gtin; // GTIN-14, check digit validated
        uint64 companyPrefix; // the maker's GS1 company prefix the GTIN starts with (encoded as in GS1.sol)
        Category category;
        DeviceClass deviceClass; // devices only; None otherwise
        bytes8 unitOfMeasure; // UN/ECE Recommendation 20 code, e.g. "EA", "KGM", "MTR"
        uint32 packSize; // units of measure per pack, at least 1
        int16 minTemperature; // allowed storage range, tenths of a degree Celsius
        int16 maxTemperature;
        uint32 proposedHoldPeriod; // seconds a new batch stays on hold, as the maker proposes
        bytes32 specHash; // hash of the specification document
        string specURI; // where it can be fetched (emitted, not stored)
    }

    /// @notice A product as the views return it.
    struct ProductView {
        uint64 gtin;
        uint32 makerOrgId;
        Category category;
        DeviceClass deviceClass;
        ProductStatus status;
        bytes8 unitOfMeasure;
        uint32 packSize;
        int16 minTemperature;
        int16 maxTemperature;
        uint32 holdPeriod; // proposed until approved, then the approved period
        bytes32 specHash;
        bytes32 certificateHash; // registration certificate, set on approval
    }

    /// @notice A maker proposed a product.
    event ProductProposed(
        uint64 indexed gtin,
        uint32 indexed makerOrgId,
        Category category,
        DeviceClass deviceClass,
        bytes8 unitOfMeasure,
        uint32 packSize,
        int16 minTemperature,
        int16 maxTemperature,
        uint32 proposedHoldPeriod,
        bytes32 specHash,
        string specURI
    );
    /// @notice A regulator approved a product with its registration certificate and hold period.
    event ProductApproved(uint64 indexed gtin, address indexed regulator, bytes32 certificateHash, uint32 holdPeriod);
    /// @notice A regulator rejected a proposed product.
    event ProductRejected(uint64 indexed gtin, address indexed regulator, bytes32 reasonHash);
    /// @notice A regulator withdrew a product's approval: no new batches.
    event ProductWithdrawn(uint64 indexed gtin, address indexed regulator, bytes32 reasonHash);
    /// @notice The governor set a category's minimum hold period.
    event HoldFloorSet(Category indexed category, uint32 previousFloor, uint32 newFloor);

    /// @notice The GTIN fails its check digit or length.
    error CatalogInvalidGtin(uint64 gtin);
    /// @notice The GTIN does not start with the company prefix, or the prefix is not the maker's.
    error CatalogPrefixNotOwned(uint64 gtin, uint64 companyPrefix, uint32 orgId);
    /// @notice The product already exists and is not Rejected.
    error CatalogProductExists(uint64 gtin, ProductStatus status);
    /// @notice No product has this GTIN.
    error CatalogUnknownProduct(uint64 gtin);
    /// @notice The product's status does not allow this.
    error CatalogUnexpectedStatus(uint64 gtin, ProductStatus status);
    /// @notice Category None, or a device class given for a non-device or missing for a device.
    error CatalogInvalidClassification(Category category, DeviceClass deviceClass);
    /// @notice Pack size zero or an empty unit of measure.
    error CatalogInvalidPackaging(bytes8 unitOfMeasure, uint32 packSize);
    /// @notice The minimum temperature is above the maximum.
    error CatalogInvalidTemperatureRange(int16 minTemperature, int16 maxTemperature);
    /// @notice A document or reason hash was zero.
    error CatalogEmptyHash();
    /// @notice The hold period is below the governor's floor for the product's category.
    error CatalogHoldBelowFloor(uint32 holdPeriod, uint32 floor);

    /// @notice A maker proposes a product whose GTIN starts with one of its company prefixes.
    /// @dev Requirements: not paused; caller may act as SUPPLIER or MANUFACTURER for the organisation that owns
    /// `spec.companyPrefix`; valid GTIN starting with it; not already proposed (a rejected product may be proposed
    /// again); a category, with a device class exactly for devices; pack size and unit; min <= max temperature;
    /// non-zero specification hash. Emits {ProductProposed}.
    /// @param spec The product.
    function proposeProduct(ProductSpec calldata spec) external;

    /// @notice A regulator approves a proposed (or withdrawn) product and sets its hold period.
    /// @dev Requirements: caller is a regulator; status Proposed or Withdrawn; non-zero certificate hash;
    /// hold period at least the category's floor. Emits {ProductApproved}.
    /// @param gtin The product.
    /// @param certificateHash Hash of the registration certificate.
    /// @param holdPeriod Seconds new batches stay on hold.
    function approveProduct(uint64 gtin, bytes32 certificateHash, uint32 holdPeriod) external;

    /// @notice A regulator rejects a proposed product.
    /// @dev Requirements: caller is a regulator; status Proposed; non-zero reason. Emits {ProductRejected}.
    /// @param gtin The product.
    /// @param reasonHash Hash of the written reasons.
    function rejectProduct(uint64 gtin, bytes32 reasonHash) external;

    /// @notice A regulator withdraws an approved product: existing batches stay, no new ones.
    /// @dev Requirements: caller is a regulator; status Approved; non-zero reason. Emits {ProductWithdrawn}.
    /// @param gtin The product.
    /// @param reasonHash Hash of the written reasons.
    function withdrawProduct(uint64 gtin, bytes32 reasonHash) external;

    /// @notice The governor sets the minimum hold period regulators may approve for a category.
    /// @dev Requirements: caller is the governor; a real category. Emits {HoldFloorSet}.
    /// @param category The category.
    /// @param floor Seconds.
    function setHoldFloor(Category category, uint32 floor) external;

    /// @notice A product. Reverts with {CatalogUnknownProduct} for an unknown GTIN.
    /// @param gtin The product.
    function product(uint64 gtin) external view returns (ProductView memory);

    /// @notice What the batch ledger needs to commission a batch, in one storage read.
    /// @param gtin The product.
    /// @return makerOrgId The maker (0 for an unknown product).
    /// @return status The product's status.
    /// @return holdPeriod Seconds new batches stay on hold.
    function productTerms(
        uint64 gtin
    ) external view returns (uint32 makerOrgId, ProductStatus status, uint32 holdPeriod);

    /// @notice The allowed storage temperature range, tenths of a degree Celsius.
    /// @param gtin The product.
    function temperatureRange(uint64 gtin) external view returns (int16 minTemperature, int16 maxTemperature);

    /// @notice The minimum hold period of a category, seconds.
    /// @param category The category.
    function holdFloor(Category category) external view returns (uint32);

    /// @notice The contract's version.
    function version() external pure returns (string memory);
}
